import { buildCounterKey, LocalLimiter, systemClock, type Clock, type CounterStore, type RawDecision } from '@rl/limiter-core';
import { RedisCounterStore, StoreError, type RedisClient } from '@rl/redis-store';
import type { CheckInput } from '../core/check-input';
import { InvalidCheckError } from '../core/check-input';
import type { DegradedListener } from '../remote/enforcer-client';
import type { RateLimitDecision } from '../core/decision';
import { inlinePolicy, resolvePolicy, type LibraryPolicy, type ResolvedPolicy } from './library-policy';

export interface LibraryModeOptions {
  /**
   * The counter store's Redis (from `createRedisClient` of @rl/redis-store; the caller owns and
   * closes it). Without one, decisions are made in process memory by a LocalLimiter: exact for
   * one process, not shared between processes.
   */
  readonly redis?: RedisClient;
  /** The policies checks name by id (`check({ policy })`); the first one is the default. At least one. */
  readonly policies: readonly LibraryPolicy[];
  /** Redis decision deadline in milliseconds (default 50); a late reply counts as a store failure. */
  readonly decisionTimeoutMs?: number;
  /** Keys kept by the in-memory limiter (and the fail-open fallback buckets); default 100000. */
  readonly maxLocalKeys?: number;
  /** Clock of the in-memory limiter; tests inject one. */
  readonly clock?: Clock;
}

const MICROS = 1_000_000;

/**
 * Library mode: decides in process, with the same algorithms and Redis scripts as the enforcer.
 * With Redis, a store failure (down, late, erroring) applies the policy's failure mode: `open`
 * admits from a local in-memory bucket of the same size, `closed` denies with 503; both are
 * `degraded`.
 */
export class LibraryDecider {
  private readonly policies = new Map<string, ResolvedPolicy>();
  private readonly defaultPolicy: ResolvedPolicy;
  private readonly inline = new Map<string, ResolvedPolicy>();
  private readonly store: CounterStore;
  private readonly fallback: LocalLimiter | undefined;
  private readonly hasRedis: boolean;

  constructor(
    options: LibraryModeOptions,
    private readonly onDegraded?: DegradedListener,
  ) {
    if (!Array.isArray(options.policies) || options.policies.length === 0) throw new RangeError('library mode needs at least one policy');
    options.policies.forEach((policy, i) => {
      const resolved = resolvePolicy(policy, `policies[${i}]`);
      if (this.policies.has(resolved.id)) throw new RangeError(`policies[${i}].id ${resolved.id} is given twice`);
      this.policies.set(resolved.id, resolved);
    });
    this.defaultPolicy = resolvePolicy(options.policies[0], 'policies[0]');
    const clock = options.clock ?? systemClock;
    const maxKeys = options.maxLocalKeys ?? 100_000;
    this.hasRedis = options.redis !== undefined;
    if (options.redis !== undefined) {
      const deadlineMs = options.decisionTimeoutMs ?? 50;
      if (!Number.isInteger(deadlineMs) || deadlineMs < 1) throw new RangeError('decisionTimeoutMs must be an integer >= 1');
      this.store = new RedisCounterStore({ client: options.redis, deadlineMs });
      this.fallback = new LocalLimiter({ clock, maxKeys });
    } else {
      this.store = new LocalLimiter({ clock, maxKeys });
      this.fallback = undefined;
    }
  }

  /** Loads the Redis scripts up front (optional: the first decisions load them otherwise). */
  async load(): Promise<void> {
    if (this.store instanceof RedisCounterStore) await this.store.load();
  }

  async check(input: CheckInput): Promise<RateLimitDecision> {
    const policy = this.policyFor(input);
    const request = {
      key: buildCounterKey({ policyId: policy.counterId, identity: input.key, algorithm: policy.algorithm }),
      algorithm: policy.algorithm,
      limit: policy.limit,
      windowUs: policy.windowUs,
      burst: policy.burst,
      cost: input.cost ?? 1,
    };
    try {
      return toDecision(policy, await this.store.decide(request));
    } catch (error) {
      if (!(error instanceof StoreError) || this.fallback === undefined) throw error;
      if (this.onDegraded !== undefined) {
        const listener = this.onDegraded;
        queueMicrotask(() => listener({ reason: 'store-failure', error }));
      }
      if (policy.failureMode === 'closed') {
        return { ...toDecision(policy, { allowed: false, remaining: 0, resetUs: 0, retryAfterUs: MICROS }), statusCode: 503, degraded: true, degradedReason: 'store-failure' };
      }
      return { ...toDecision(policy, await this.fallback.decide(request)), degraded: true, degradedReason: 'store-failure' };
    }
  }

  get usesRedis(): boolean {
    return this.hasRedis;
  }

  private policyFor(input: CheckInput): ResolvedPolicy {
    if (input.policy !== undefined) {
      const named = this.policies.get(input.policy);
      if (named === undefined) throw new InvalidCheckError('policy', `names no policy of this client: ${JSON.stringify(input.policy)}`);
      return named;
    }
    if (input.limit !== undefined && input.windowSeconds !== undefined) {
      const id = `${input.limit}:${input.windowSeconds}`;
      let policy = this.inline.get(id);
      if (policy === undefined) {
        policy = inlinePolicy({ limit: input.limit, windowSeconds: input.windowSeconds, algorithm: this.defaultPolicy.algorithm, failureMode: this.defaultPolicy.failureMode });
        if (this.inline.size >= 1_000) this.inline.clear();
        this.inline.set(id, policy);
      }
      return policy;
    }
    return this.defaultPolicy;
  }
}

function toDecision(policy: ResolvedPolicy, raw: RawDecision): RateLimitDecision {
  return {
    statusCode: raw.allowed ? 200 : 429,
    allowed: raw.allowed,
    limit: policy.limit,
    remaining: raw.remaining,
    resetSeconds: raw.resetUs / MICROS,
    retryAfterSeconds: raw.allowed ? 0 : raw.retryAfterUs / MICROS,
    policy: { id: policy.id, version: policy.version },
    windowSeconds: policy.windowSeconds,
    region: 'local',
  };
}
