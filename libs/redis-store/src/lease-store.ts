import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, type Redis } from 'ioredis';
import { leasable, type AlgorithmName, type LimitRequest, type StackedRequest } from '@rl/limiter-core';
import { pushStackedLimit } from './batch-codec';
import { boundCall, type CallDeadline } from './call-deadline';
import { keySlot, masterForSlot } from './cluster-routing';
import { StoreUnavailableError, toStoreError } from './errors';
import { composeScript, evalScript, redisTimeClockPrelude, sha1, type RedisClient } from './script-registry';

/** The algorithms a lease exists for (see `leasable` in @rl/limiter-core for why only these). */
export type LeaseAlgorithm = Extract<AlgorithmName, 'token_bucket' | 'fixed_window'>;

export function isLeaseAlgorithm(algorithm: AlgorithmName): algorithm is LeaseAlgorithm {
  return leasable(algorithm);
}

/**
 * Whether a lease can serve a stack: when every limit is a regional token bucket or fixed window
 * (calendar windows included: fixed windows whose bounds the request carries).
 */
export function isLeasableStack(request: StackedRequest): boolean {
  // A global limit's cap is this region's allocation, which the reconciler moves: never leased.
  return request.limits.every((limit) => limit.global === undefined && leasable(limit.algorithm));
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

/**
 * One stacked lease acquisition (lua/lease/stacked_acquire.lua): the same `granted` units taken
 * from every limit, and each limit's state after it, in the stack's order.
 */
export interface StackedLeaseGrant {
  /** Units taken from EVERY limit; 0 means denied (nothing was taken from any). */
  readonly granted: number;
  /** Per limit: its LeaseGrant (`granted` as above; `retryAfterUs` 0 for a limit that covers the cost). */
  readonly limits: readonly LeaseGrant[];
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
  /** Stacks: what every leasable limit's state needs, the limits' codec, then the script. */
  readonly stackedAcquire: LeaseScript;
  readonly stackedRelease: LeaseScript;

  constructor() {
    const state: Record<LeaseAlgorithm | 'stacked', string[]> = {
      token_bucket: ['lib/meter.lua'],
      fixed_window: [],
      stacked: ['lib/meter.lua', 'lib/window.lua'],
    };
    const tail: Record<LeaseAlgorithm | 'stacked', string[]> = { token_bucket: [], fixed_window: [], stacked: ['lease/stacked_limits.lua'] };
    const compose = (kind: LeaseAlgorithm | 'stacked', file: string): LeaseScript => {
      const files = ['lib/common.lua', ...state[kind], 'lib/lease.lua', ...tail[kind], `lease/${file}`];
      const source = composeScript([redisTimeClockPrelude(), ...files.map(readLua)]);
      return { source, sha: sha1(source) };
    };
    this.acquire = { token_bucket: compose('token_bucket', 'token_bucket_acquire.lua'), fixed_window: compose('fixed_window', 'fixed_window_acquire.lua') };
    this.release = { token_bucket: compose('token_bucket', 'token_bucket_return.lua'), fixed_window: compose('fixed_window', 'fixed_window_return.lua') };
    this.stackedAcquire = compose('stacked', 'stacked_acquire.lua');
    this.stackedRelease = compose('stacked', 'stacked_return.lua');
  }

  all(): LeaseScript[] {
    return [...Object.values(this.acquire), ...Object.values(this.release), this.stackedAcquire, this.stackedRelease];
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
    const args = [request.limit, request.windowUs, request.burst, request.cost, this.jitter(), Math.max(input.want, request.cost)];
    const reply = await this.call({ script: this.scripts.acquire[request.algorithm], slotKey: request.key, keys: [request.key], args, context: 'lease' });
    return parseLeaseReply(reply);
  }

  /** Gives `units` unused units back; resolves with the units the counter took back. */
  async release(input: { request: LimitRequest & { algorithm: LeaseAlgorithm }; units: number; windowStartUs: number }): Promise<number> {
    const { request } = input;
    const extra = request.algorithm === 'fixed_window' ? [input.windowStartUs] : [];
    const args = [request.limit, request.windowUs, request.burst, input.units, this.jitter(), ...extra];
    const reply = await this.call({ script: this.scripts.release[request.algorithm], slotKey: request.key, keys: [request.key], args, context: 'lease return' });
    return parseReturnReply(reply);
  }

  /**
   * Takes `want` units from EVERY limit of a leasable stack (isLeasableStack), all or nothing (or
   * the whole units the tightest limit has left when fewer, but at least `request.cost`); cap
   * `want` with leaseSize over the smallest capacity first. Granted 0: the triggering request is
   * denied, and each limit's retry time says which limits deny it.
   */
  async acquireStack(input: { request: StackedRequest; want: number }): Promise<StackedLeaseGrant> {
    const { request } = input;
    const args: (string | number)[] = [request.limits.length, request.cost, this.jitter(), Math.max(input.want, request.cost)];
    for (const limit of request.limits) pushStackedLimit(args, limit);
    const reply = await this.call({ script: this.scripts.stackedAcquire, slotKey: request.key, keys: request.limits.map((l) => l.key), args, context: 'stacked lease' });
    return parseStackedLeaseReply(reply, request.limits.length);
  }

  /**
   * Gives `units` unused units back to every limit of the stack: token buckets at once, window
   * limits only to the window each lease unit was taken in (`windowStartsUs`, per limit, as the
   * grant replied). Resolves with the units the tightest limit took back.
   */
  async releaseStack(input: { request: StackedRequest; units: number; windowStartsUs: readonly number[] }): Promise<number> {
    const { request } = input;
    const args: (string | number)[] = [request.limits.length, input.units, this.jitter()];
    for (const limit of request.limits) pushStackedLimit(args, limit);
    args.push(...input.windowStartsUs);
    const reply = await this.call({ script: this.scripts.stackedRelease, slotKey: request.key, keys: request.limits.map((l) => l.key), args, context: 'stacked lease return' });
    return parseReturnReply(reply);
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

  /** One script call on the node serving `slotKey`'s slot (every key shares its hash tag). */
  private async call(input: { script: LeaseScript; slotKey: string; keys: readonly string[]; args: readonly (string | number)[]; context: string }): Promise<unknown> {
    const { script, keys, args, context } = input;
    const client = this.client;
    const node: Redis | undefined = client instanceof Cluster ? masterForSlot(client, keySlot(input.slotKey)) : client;
    try {
      const work = evalScript(client, { script, keys, args });
      return await boundCall({ work, node, context, deadline: this.deadline, deadlineMs: this.deadlineMs });
    } catch (error) {
      throw toStoreError(error, context);
    }
  }
}

export function parseLeaseReply(reply: unknown): LeaseGrant {
  if (isCounts(reply, 6)) return leaseGrantAt(reply, reply[0], 1);
  throw new StoreUnavailableError(`lease script returned an unexpected reply: ${JSON.stringify(reply)}`, { cause: reply });
}

/** stacked_acquire.lua's reply: granted, then five values per limit. */
export function parseStackedLeaseReply(reply: unknown, limits: number): StackedLeaseGrant {
  if (isCounts(reply, 1 + 5 * limits)) {
    const granted = reply[0];
    return { granted, limits: Array.from({ length: limits }, (_, index) => leaseGrantAt(reply, granted, 1 + 5 * index)) };
  }
  throw new StoreUnavailableError(`stacked lease script returned an unexpected reply: ${JSON.stringify(reply)}`, { cause: reply });
}

function parseReturnReply(reply: unknown): number {
  if (typeof reply !== 'number') throw new StoreUnavailableError(`lease return script replied ${JSON.stringify(reply)}`, { cause: reply });
  return reply;
}

function isCounts(reply: unknown, length: number): reply is number[] {
  return Array.isArray(reply) && reply.length === length && reply.every((n) => typeof n === 'number' && n >= 0);
}

/** The five per-limit values from `at`: remaining, reset, retry, window start, validity. */
function leaseGrantAt(reply: readonly number[], granted: number, at: number): LeaseGrant {
  return { granted, remaining: reply[at], resetUs: reply[at + 1], retryAfterUs: reply[at + 2], windowStartUs: reply[at + 3], validUs: reply[at + 4] };
}
