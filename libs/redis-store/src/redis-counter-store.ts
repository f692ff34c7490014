import { unadmissible, type CounterStore, type GlobalWindowDecision, type GlobalWindowRequest, type GlobalWindowStore, type LimitRequest, type RawDecision } from '@rl/limiter-core';
import { waitForReady } from './connection';
import { withDeadline } from './deadline';
import { StoreError, StoreUnavailableError, toStoreError } from './errors';
import { ScriptRegistry, scriptKeys, type RedisClient } from './script-registry';

/** Upper bound (exclusive) of the default TTL jitter, in milliseconds. */
export const DEFAULT_TTL_JITTER_MS = 1_000;

const defaultJitterMs = (): number => Math.floor(Math.random() * DEFAULT_TTL_JITTER_MS);

const DEFAULT_READY_TIMEOUT_MS = 10_000;

let sharedRegistry: ScriptRegistry | undefined;

export interface RedisCounterStoreOptions {
  readonly client: RedisClient;
  /**
   * Milliseconds added to each written key's TTL, so keys written in the same instant do not all
   * expire in the same instant. Injected so tests can assert exact TTLs. Default: uniform in [0, 1000).
   */
  readonly jitterMs?: () => number;
  /** The composed scripts; defaults to one registry with the Redis TIME clock, shared by all stores. */
  readonly registry?: ScriptRegistry;
  /**
   * Decision deadline in milliseconds, tolerant of event-loop stalls (see withDeadline). When set,
   * give the client's own `commandTimeoutMs` a much larger value: it then only bounds how long a
   * lost command is remembered.
   */
  readonly deadlineMs?: number;
}

/**
 * The counter-store port over Redis: one atomic Lua script per decision, with `now` from Redis
 * TIME. Works on a standalone Redis and on a Redis Cluster (every script's keys share a hash tag).
 *
 * Failures reject with a StoreError: StoreTimeoutError when no reply came in time (the request
 * may have been counted), StoreUnavailableError otherwise. Nothing is retried here.
 */
export class RedisCounterStore implements CounterStore, GlobalWindowStore {
  private readonly client: RedisClient;
  private readonly jitterMs: () => number;
  private readonly registry: ScriptRegistry;
  private readonly deadlineMs: number | undefined;

  constructor(options: RedisCounterStoreOptions) {
    this.client = options.client;
    this.deadlineMs = options.deadlineMs;
    this.jitterMs = options.jitterMs ?? defaultJitterMs;
    this.registry = options.registry ?? (sharedRegistry ??= new ScriptRegistry());
  }

  async decide(request: LimitRequest): Promise<RawDecision> {
    const refused = unadmissible(request);
    if (refused !== undefined) return refused;
    const jitter = Math.floor(this.jitterMs());
    let reply: unknown;
    try {
      const run = this.registry.run(this.client, {
        algorithm: request.algorithm,
        keys: scriptKeys(request.algorithm, request.key),
        args: [request.limit, request.windowUs, request.burst, request.cost, jitter > 0 ? jitter : 0],
      });
      reply = await (this.deadlineMs === undefined ? run : withDeadline(run, this.deadlineMs, `${request.algorithm} decision`));
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw toStoreError(error, `${request.algorithm} decision`);
    }
    return parseDecisionReply(reply, request.algorithm);
  }

  /**
   * A region's share of a global limit (global_window.lua): admits `cost` if the region's count in
   * the aligned window plus `cost` stays within `cap`. Same failure semantics as `decide`.
   */
  async decideGlobal(request: GlobalWindowRequest): Promise<GlobalWindowDecision> {
    const jitter = Math.floor(this.jitterMs());
    let reply: unknown;
    try {
      const run = this.registry.runGlobalWindow(this.client, {
        keys: [request.key],
        args: [request.cap, request.windowMs, request.cost, jitter > 0 ? jitter : 0, request.expectedStartMs],
      });
      reply = await (this.deadlineMs === undefined ? run : withDeadline(run, this.deadlineMs, 'global_window decision'));
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw toStoreError(error, 'global_window decision');
    }
    return parseGlobalWindowReply(reply);
  }

  /**
   * Loads every script up front (on a cluster, into every master), once the client is ready, so
   * the first decisions skip the NOSCRIPT round trip. Decisions work without it.
   */
  async load(options: { readyTimeoutMs?: number } = {}): Promise<void> {
    try {
      await waitForReady(this.client, options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
      await this.registry.load(this.client);
    } catch (error) {
      throw toStoreError(error, 'SCRIPT LOAD');
    }
  }
}

/** The scripts reply `{allowed (0|1), remaining, resetUs, retryAfterUs}` as integers. */
export function parseDecisionReply(reply: unknown, algorithm: string): RawDecision {
  if (Array.isArray(reply) && reply.length === 4) {
    const [allowed, remaining, resetUs, retryAfterUs]: unknown[] = reply;
    if (
      (allowed === 0 || allowed === 1) &&
      typeof remaining === 'number' &&
      typeof resetUs === 'number' &&
      typeof retryAfterUs === 'number'
    ) {
      return { allowed: allowed === 1, remaining, resetUs, retryAfterUs };
    }
  }
  throw new StoreUnavailableError(`${algorithm} script returned an unexpected reply: ${JSON.stringify(reply)}`, { cause: reply });
}

/** global_window.lua replies `{allowed, remaining, resetUs, retryAfterUs, windowStartMs, count, matched}` as integers. */
export function parseGlobalWindowReply(reply: unknown): GlobalWindowDecision {
  if (Array.isArray(reply) && reply.length === 7) {
    const [allowed, remaining, resetUs, retryAfterUs, windowStartMs, count, matched]: unknown[] = reply;
    if (
      (allowed === 0 || allowed === 1) &&
      (matched === 0 || matched === 1) &&
      typeof remaining === 'number' &&
      typeof resetUs === 'number' &&
      typeof retryAfterUs === 'number' &&
      typeof windowStartMs === 'number' &&
      typeof count === 'number'
    ) {
      return { allowed: allowed === 1, remaining, resetUs, retryAfterUs, windowStartMs, count, matched: matched === 1 };
    }
  }
  throw new StoreUnavailableError(`global_window script returned an unexpected reply: ${JSON.stringify(reply)}`, { cause: reply });
}
