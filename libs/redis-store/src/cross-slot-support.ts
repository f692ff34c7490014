import type { Redis } from 'ioredis';
import { redisErrorCode } from './errors';

/** Whether an INFO server text names a Redis that runs `#!lua flags=allow-cross-slot-keys` scripts (7.0 and later). */
export function supportsCrossSlotScripts(info: string): boolean {
  const version = /^redis_version:(\d+)\./m.exec(info);
  return version !== null && Number(version[1]) >= 7;
}

/**
 * Which cluster nodes run cross-slot batch scripts, learned from INFO once per connection (a node
 * that reconnects may be another server, upgraded or not). Until a node is known, it counts as
 * not supporting them, so the first batches go per slot while the check runs.
 */
export class CrossSlotSupport {
  /** Keyed by the node's socket: a new connection is checked again. */
  private readonly known = new WeakMap<object, boolean>();
  private readonly checking = new WeakMap<object, Promise<boolean>>();

  /** True when every node's current connection is known to support them; starts the checks that are missing. */
  everyNode(nodes: readonly Redis[]): boolean {
    let every = nodes.length > 0;
    for (const node of nodes) {
      const connection = connectionOf(node);
      const known = connection === undefined ? false : this.known.get(connection);
      if (known === undefined) void this.check(node);
      if (known !== true) every = false;
    }
    return every;
  }

  /** Checks every node now (for load()); resolves with whether every one supports them. */
  async checkAll(nodes: readonly Redis[]): Promise<boolean> {
    const results = await Promise.all(nodes.map((node) => this.check(node)));
    return results.length > 0 && results.every(Boolean);
  }

  private check(node: Redis): Promise<boolean> {
    const connection = connectionOf(node);
    if (connection === undefined) return Promise.resolve(false);
    const known = this.known.get(connection);
    if (known !== undefined) return Promise.resolve(known);
    let pending = this.checking.get(connection);
    if (pending === undefined) {
      pending = node.info('server').then(
        (info) => {
          const supported = supportsCrossSlotScripts(info);
          this.known.set(connection, supported);
          return supported;
        },
        (error: unknown) => {
          // A refusal (e.g. an ACL without INFO) holds for the connection; a lost reply is asked again later.
          if (redisErrorCode(error) !== undefined) this.known.set(connection, false);
          return false;
        },
      );
      this.checking.set(connection, pending);
      void pending.finally(() => this.checking.delete(connection));
    }
    return pending;
  }
}

function connectionOf(node: Redis): object | undefined {
  const stream: object | undefined = node.stream;
  return stream;
}
