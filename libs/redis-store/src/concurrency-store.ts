import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, type Redis } from 'ioredis';
import type { RawDecision } from '@rl/limiter-core';
import { boundCall, type CallDeadline } from './call-deadline';
import { keySlot, masterForSlot } from './cluster-routing';
import { StoreUnavailableError, toStoreError } from './errors';
import { composeScript, evalScript, redisTimeClockPrelude, sha1, type RedisClient } from './script-registry';

/** One lease to take: the key of its concurrency limit (buildConcurrencyKey), the limit, and the new lease. */
export interface LeaseToAcquire {
  readonly key: string;
  readonly limit: number;
  readonly leaseUs: number;
  readonly leaseId: string;
}

interface ConcurrencyScript {
  readonly source: string;
  readonly sha: string;
}

const LUA_DIR = join(__dirname, 'lua');
const readLua = (relativePath: string): string => readFileSync(join(LUA_DIR, relativePath), 'utf8');

export interface RedisConcurrencyStoreOptions {
  readonly client: RedisClient;
  /** Milliseconds added to the key's TTL. Default: uniform in [0, 1000). */
  readonly jitterMs?: () => number;
  /** Deadline of one script call, milliseconds (see RedisLeaseStore). */
  readonly deadlineMs?: number;
  /** Bounds every script call in place of `deadlineMs`. */
  readonly deadline?: CallDeadline;
  /** Lua that defines `local now`; Redis TIME by default (tests: the argv clock). */
  readonly clockPrelude?: string;
  /** Appended to every call's ARGV, for a swapped clock prelude. */
  readonly clockArgs?: () => readonly number[];
}

/**
 * Concurrency limits (lua/concurrency/*.lua): one sorted set of leases per key, trimmed of expired
 * leases by the script. Each call touches one key, so it runs on a Cluster as is. Failures reject
 * with a StoreError; nothing is retried (an acquire that timed out may hold a lease: it expires).
 */
export class RedisConcurrencyStore {
  private readonly client: RedisClient;
  private readonly acquireScript: ConcurrencyScript;
  private readonly releaseScript: ConcurrencyScript;
  private readonly jitterMs: () => number;

  constructor(private readonly options: RedisConcurrencyStoreOptions) {
    this.client = options.client;
    const prelude = options.clockPrelude ?? redisTimeClockPrelude();
    const compose = (file: string): ConcurrencyScript => {
      const source = composeScript([prelude, readLua('lib/common.lua'), readLua(`concurrency/${file}`)]);
      return { source, sha: sha1(source) };
    };
    this.acquireScript = compose('acquire.lua');
    this.releaseScript = compose('release.lua');
    this.jitterMs = options.jitterMs ?? (() => Math.floor(Math.random() * 1_000));
  }

  /** Takes a lease when fewer than `limit` are held (see acquire.lua). */
  async acquire(lease: LeaseToAcquire): Promise<RawDecision> {
    const jitter = Math.max(0, Math.floor(this.jitterMs()));
    const reply = await this.call(this.acquireScript, lease.key, [lease.limit, lease.leaseUs, lease.leaseId, jitter], 'acquire');
    if (Array.isArray(reply) && reply.length === 4 && reply.every((n) => typeof n === 'number' && n >= 0) && (reply[0] === 0 || reply[0] === 1)) {
      const [allowed, remaining, resetUs, retryAfterUs] = reply as number[];
      return { allowed: allowed === 1, remaining, resetUs, retryAfterUs };
    }
    throw new StoreUnavailableError(`acquire script replied ${JSON.stringify(reply)}`, { cause: reply });
  }

  /** Releases a lease: true when it was held and had not expired. */
  async release(input: { key: string; leaseId: string }): Promise<boolean> {
    const reply = await this.call(this.releaseScript, input.key, [input.leaseId], 'release');
    if (reply === 0 || reply === 1) return reply === 1;
    throw new StoreUnavailableError(`release script replied ${JSON.stringify(reply)}`, { cause: reply });
  }

  /** SCRIPT LOAD of both scripts into every master. */
  async load(): Promise<void> {
    const nodes = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
    try {
      await Promise.all(nodes.flatMap((node) => [this.acquireScript, this.releaseScript].map((script) => node.script('LOAD', script.source))));
    } catch (error) {
      throw toStoreError(error, 'SCRIPT LOAD (concurrency)');
    }
  }

  private async call(script: ConcurrencyScript, key: string, args: readonly (string | number)[], context: string): Promise<unknown> {
    const client = this.client;
    const node: Redis | undefined = client instanceof Cluster ? masterForSlot(client, keySlot(key)) : client;
    const clock = this.options.clockArgs?.() ?? [];
    try {
      const work = evalScript(client, { script, keys: [key], args: [...args, ...clock] });
      return await boundCall({ work, node, context, deadline: this.options.deadline, deadlineMs: this.options.deadlineMs });
    } catch (error) {
      throw toStoreError(error, context);
    }
  }
}
