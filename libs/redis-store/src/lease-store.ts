import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, type Redis } from 'ioredis';
import { leasable, type AlgorithmName, type LimitRequest } from '@rl/limiter-core';
import { boundCall, type CallDeadline } from './call-deadline';
import { keySlot, masterForSlot } from './cluster-routing';
import { StoreUnavailableError, toStoreError } from './errors';
import { composeScript, evalScript, redisTimeClockPrelude, sha1, type RedisClient } from './script-registry';

/** The algorithms a lease exists for (see `leasable` in @rl/limiter-core for why only these). */
export type LeaseAlgorithm = Extract<AlgorithmName, 'token_bucket' | 'fixed_window'>;

export function isLeaseAlgorithm(algorithm: AlgorithmName): algorithm is LeaseAlgorithm {
  return leasable(algorithm);
}

/** One lease acquisition, as the acquire scripts reply. */
export interface LeaseGrant {
  /** Units taken from the counter for the caller to spend locally; 0 means denied. */
  readonly granted: number;
  /** Units left in the shared counter after the grant, in [0, limit]. */
  readonly remaining: number;
  /** Microseconds until the shared counter is full again (with the leased units gone). */
  readonly resetUs: number;
  /** When denied: microseconds after which a request of the same cost is admitted; else 0. */
  readonly retryAfterUs: number;
  /** fixed_window: the window the units belong to (give them back with it); token_bucket: 0. */
  readonly windowStartUs: number;
  /** fixed_window: microseconds until the units are void (the window ends); token_bucket: 0, no end. */
  readonly validUs: number;
}

/** One composed lease script: what EVAL sends and the SHA1 EVALSHA names it by. */
interface LeaseScript {
  readonly source: string;
  readonly sha: string;
}

const LUA_DIR = join(__dirname, 'lua');
const readLua = (relativePath: string): string => readFileSync(join(LUA_DIR, relativePath), 'utf8');

/**
 * The lease scripts (lua/lease/*.lua), composed like the limiter scripts: Redis TIME prelude,
 * lib/common.lua, what the algorithm's state needs (lib/meter.lua for the token bucket),
 * lib/lease.lua, then the script. Built once per process.
 */
class LeaseScripts {
  readonly acquire: Readonly<Record<LeaseAlgorithm, LeaseScript>>;
  readonly release: Readonly<Record<LeaseAlgorithm, LeaseScript>>;

  constructor() {
    const state: Record<LeaseAlgorithm, string[]> = { token_bucket: ['lib/meter.lua'], fixed_window: [] };
    const compose = (algorithm: LeaseAlgorithm, file: string): LeaseScript => {
      const files = ['lib/common.lua', ...state[algorithm], 'lib/lease.lua', `lease/${file}`];
      const source = composeScript([redisTimeClockPrelude(), ...files.map(readLua)]);
      return { source, sha: sha1(source) };
    };
    this.acquire = { token_bucket: compose('token_bucket', 'token_bucket_acquire.lua'), fixed_window: compose('fixed_window', 'fixed_window_acquire.lua') };
    this.release = { token_bucket: compose('token_bucket', 'token_bucket_return.lua'), fixed_window: compose('fixed_window', 'fixed_window_return.lua') };
  }

  all(): LeaseScript[] {
    return [...Object.values(this.acquire), ...Object.values(this.release)];
  }
}

let sharedScripts: LeaseScripts | undefined;

export interface RedisLeaseStoreOptions {
  readonly client: RedisClient;
  /** Milliseconds added to each written key's TTL (see RedisCounterStore). Default: uniform in [0, 1000). */
  readonly jitterMs?: () => number;
  /** Deadline of one script call, milliseconds, tolerant of event-loop stalls (see withDeadline). */
  readonly deadlineMs?: number;
  /** Bounds every script call in place of `deadlineMs` (see RedisCounterStoreOptions.deadline). */
  readonly deadline?: CallDeadline;
}

/**
 * Hot-key leases over the counter store's own keys (same keys, codecs and TTL rules as the
 * limiter scripts): `acquire` takes a batch of units in one atomic script, `release` gives unused
 * units back. Failures reject with a StoreError, like RedisCounterStore; nothing is retried, and a
 * timed-out acquisition is never replayed (it may have taken units: they are lost, which can only
 * under-admit).
 */
export class RedisLeaseStore {
  private readonly client: RedisClient;
  private readonly scripts: LeaseScripts;
  private readonly jitterMs: () => number;
  private readonly deadlineMs: number | undefined;
  private readonly deadline: CallDeadline | undefined;

  constructor(options: RedisLeaseStoreOptions) {
    this.client = options.client;
    this.scripts = sharedScripts ??= new LeaseScripts();
    this.jitterMs = options.jitterMs ?? (() => Math.floor(Math.random() * 1_000));
    this.deadlineMs = options.deadlineMs;
    this.deadline = options.deadline;
  }

  /**
   * Takes `want` units for `request.key` (or the whole units left when fewer, but at least
   * `request.cost`); cap `want` with leaseSize first. `request.cost` is the triggering request's:
   * granted 0 means that request is denied, with the reply's retry time.
   */
  async acquire(input: { request: LimitRequest & { algorithm: LeaseAlgorithm }; want: number }): Promise<LeaseGrant> {
    const { request } = input;
    const reply = await this.call(this.scripts.acquire[request.algorithm], request, [request.cost, this.jitter(), Math.max(input.want, request.cost)], 'lease');
    return parseLeaseReply(reply);
  }

  /** Gives `units` unused units back; resolves with the units the counter took back. */
  async release(input: { request: LimitRequest & { algorithm: LeaseAlgorithm }; units: number; windowStartUs: number }): Promise<number> {
    const { request } = input;
    const extra = request.algorithm === 'fixed_window' ? [input.windowStartUs] : [];
    const reply = await this.call(this.scripts.release[request.algorithm], request, [input.units, this.jitter(), ...extra], 'lease return');
    if (typeof reply !== 'number') throw new StoreUnavailableError(`lease return script replied ${JSON.stringify(reply)}`, { cause: reply });
    return reply;
  }

  /** SCRIPT LOAD of the lease scripts into every master, so the first leases skip NOSCRIPT. */
  async load(): Promise<void> {
    const nodes = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
    try {
      await Promise.all(nodes.flatMap((node) => this.scripts.all().map((script) => node.script('LOAD', script.source))));
    } catch (error) {
      throw toStoreError(error, 'SCRIPT LOAD (leases)');
    }
  }

  private jitter(): number {
    const jitter = Math.floor(this.jitterMs());
    return jitter > 0 ? jitter : 0;
  }

  private async call(script: LeaseScript, request: LimitRequest, tail: readonly number[], context: string): Promise<unknown> {
    const args = [request.limit, request.windowUs, request.burst, ...tail];
    const client = this.client;
    const node: Redis | undefined = client instanceof Cluster ? masterForSlot(client, keySlot(request.key)) : client;
    try {
      const work = evalScript(client, { script, keys: [request.key], args });
      return await boundCall({ work, node, context, deadline: this.deadline, deadlineMs: this.deadlineMs });
    } catch (error) {
      throw toStoreError(error, context);
    }
  }
}

export function parseLeaseReply(reply: unknown): LeaseGrant {
  if (Array.isArray(reply) && reply.length === 6 && reply.every((n) => typeof n === 'number' && n >= 0)) {
    const [granted, remaining, resetUs, retryAfterUs, windowStartUs, validUs] = reply as number[];
    return { granted, remaining, resetUs, retryAfterUs, windowStartUs, validUs };
  }
  throw new StoreUnavailableError(`lease script returned an unexpected reply: ${JSON.stringify(reply)}`, { cause: reply });
}
