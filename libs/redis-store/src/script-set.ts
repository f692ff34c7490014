import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, type Redis } from 'ioredis';
import { boundCall, type CallDeadline } from './call-deadline';
import { keySlot, masterForSlot } from './cluster-routing';
import { toStoreError } from './errors';
import { composeScript, evalScript, redisTimeClockPrelude, sha1, type RedisClient } from './script-registry';

export interface ScriptSetOptions {
  readonly client: RedisClient;
  /** Milliseconds added to a written key's TTL. Default: uniform in [0, 1000). */
  readonly jitterMs?: () => number;
  /** Deadline of one script call, milliseconds (see RedisLeaseStore). */
  readonly deadlineMs?: number;
  /** Bounds every script call in place of `deadlineMs` (see RedisCounterStoreOptions.deadline). */
  readonly deadline?: CallDeadline;
  /** Lua that defines `local now`; Redis TIME by default (tests: the argv clock, see ScriptRegistryOptions). */
  readonly clockPrelude?: string;
  /** Appended to every call's ARGV, for a swapped clock prelude. */
  readonly clockArgs?: () => readonly number[];
}

interface ComposedScript {
  readonly source: string;
  readonly sha: string;
}

const LUA_DIR = join(__dirname, 'lua');
const readLua = (relativePath: string): string => readFileSync(join(LUA_DIR, relativePath), 'utf8');

/**
 * A few scripts of one feature (settles, concurrency leases), each composed like the limiter
 * scripts from the clock prelude and the Lua files it names, run by EVALSHA with the NOSCRIPT
 * fallback only, on the node that owns the first key's slot, bounded like decisions. Failures
 * reject with a StoreError; nothing is retried.
 */
export class ScriptSet<N extends string> {
  private readonly scripts: Readonly<Record<N, ComposedScript>>;
  private readonly jitterMs: () => number;

  constructor(
    private readonly options: ScriptSetOptions,
    files: Readonly<Record<N, readonly string[]>>,
  ) {
    const prelude = options.clockPrelude ?? redisTimeClockPrelude();
    const scripts = {} as Record<N, ComposedScript>;
    for (const name of Object.keys(files) as N[]) {
      const source = composeScript([prelude, ...files[name].map(readLua)]);
      scripts[name] = { source, sha: sha1(source) };
    }
    this.scripts = scripts;
    this.jitterMs = options.jitterMs ?? (() => Math.floor(Math.random() * 1_000));
  }

  /** A TTL jitter for one call, whole milliseconds >= 0. */
  jitter(): number {
    return Math.max(0, Math.floor(this.jitterMs()));
  }

  /** Runs script `name`; `context` names the call in errors. */
  async run(name: N, input: { keys: readonly string[]; args: readonly (string | number)[]; context: string }): Promise<unknown> {
    const { client } = this.options;
    const node: Redis | undefined = client instanceof Cluster ? masterForSlot(client, keySlot(input.keys[0])) : client;
    const clock = this.options.clockArgs?.() ?? [];
    try {
      const work = evalScript(client, { script: this.scripts[name], keys: input.keys, args: [...input.args, ...clock] });
      return await boundCall({ work, node, context: input.context, deadline: this.options.deadline, deadlineMs: this.options.deadlineMs });
    } catch (error) {
      throw toStoreError(error, input.context);
    }
  }

  /** SCRIPT LOAD of every script into every master. */
  async load(context: string): Promise<void> {
    const { client } = this.options;
    const nodes = client instanceof Cluster ? client.nodes('master') : [client];
    const sources = Object.values<ComposedScript>(this.scripts).map((script) => script.source);
    try {
      await Promise.all(nodes.flatMap((node) => sources.map((source) => node.script('LOAD', source))));
    } catch (error) {
      throw toStoreError(error, context);
    }
  }
}
