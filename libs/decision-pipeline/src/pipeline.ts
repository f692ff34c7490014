import {
  type Clock,
  type GlobalWindowDecision,
  type LimitRequest,
  LocalLimiter,
  type RawDecision,
  type StackedDecision,
  type StackedRequest,
  StoreError,
  StoreTimeoutError,
  systemClock,
} from '@rl/limiter-core';
import { ThrottledLog } from '@rl/platform';
import type { Logger } from 'pino';
import type { PipelineMetrics, StoreFailureKind } from './metrics';
import { StoreCircuitOpenError } from './resilience/breaker-guarded-store';
import type { StoreBackend } from './store/store-backend';
import { isGlobalRequest, isStacked, type DecisionFor, type StoreDecision, type StoreRequest } from './store-port';

/**
 * Who decided: the store; this instance's local bucket because the store failed and the policy
 * fails open; or nobody, because the store failed and the policy fails closed.
 */
export type DecisionSource = 'store' | 'local-fallback' | 'fail-closed';

/** One decision to make, with what to do if the store cannot make it. */
export interface DecisionInput<R extends StoreRequest> {
  readonly request: R;
  /** `open`: admit within the local bucket while the store is down; `closed`: deny (503). */
  readonly failureMode: 'open' | 'closed';
  /**
   * The local bucket of this instance for `request`'s counter: its share of the limit and burst.
   * A stacked request has one per limit, in order (`limits`): the fallback enforces every limit.
   */
  readonly local: LocalQuota & { readonly limits?: readonly LocalQuota[] };
}

/** A local bucket's share of a limit and burst. */
export interface LocalQuota {
  readonly limit: number;
  readonly burst: number;
}

export interface DecisionOutcome<D extends StoreDecision> {
  readonly decision: D;
  readonly source: DecisionSource;
}

/** What a fail-closed policy answers while the store is down: retry in a second. */
export const FAIL_CLOSED_DECISION: RawDecision = { allowed: false, remaining: 0, resetUs: 0, retryAfterUs: 1_000_000 };

/** Keys kept by the local fallback buckets; least recently used ones are evicted beyond this. */
const LOCAL_FALLBACK_KEYS = 50_000;
/** At most one store-failure log line per interval; the metric counts every failure. */
const FAILURE_LOG_INTERVAL_MS = 10_000;

export interface DecisionPipelineOptions {
  readonly backend: StoreBackend;
  readonly metrics: PipelineMetrics;
  readonly logger: Logger;
  /** The local buckets' clock; injected by tests. */
  readonly clock?: Clock;
}

/**
 * The one decision path of every policy, regional or global: ask the backend's store (hot keys,
 * deny cache, batches, tiers and breakers, all in the backend), and on a StoreError apply the
 * policy's failure mode:
 * - `open`: decide from this instance's local bucket (its share of the limit: DEGRADED_LIMIT_PERCENT
 *   split across the region's instances), and note what it admits so that the backend writes it
 *   back when the store returns;
 * - `closed`: deny (the edge answers 503).
 *
 * A global-window request falls back to a local fixed window of the same length, aligned the
 * same way; its answer keeps the window the request was meant for.
 *
 * No logging per decision: failures are counted every time and logged at most once per interval.
 */
export class DecisionPipeline {
  private readonly local: LocalLimiter;
  private readonly log: ThrottledLog;

  constructor(private readonly options: DecisionPipelineOptions) {
    this.local = new LocalLimiter({ clock: options.clock ?? systemClock, maxKeys: LOCAL_FALLBACK_KEYS });
    this.log = new ThrottledLog(options.logger, { intervalMs: FAILURE_LOG_INTERVAL_MS, now: Date.now });
  }

  async decide<R extends StoreRequest>(input: DecisionInput<R>): Promise<DecisionOutcome<DecisionFor<R>>> {
    try {
      return { decision: await this.options.backend.store.decide(input.request), source: 'store' };
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      return this.failOver(input, error);
    }
  }

  /** The policy's failure mode for `input`, because the store failed with `error`. */
  failOver<R extends StoreRequest>(input: DecisionInput<R>, error: StoreError): DecisionOutcome<DecisionFor<R>> {
    this.noteStoreFailure(error);
    const { request } = input;
    if (input.failureMode === 'closed') return { decision: forRequest(request, FAIL_CLOSED_DECISION), source: 'fail-closed' };
    if (isStacked(request)) {
      const decision = this.local.decideStackedSync(localStack(request, input.local.limits));
      if (decision.allowed && request.dryRun !== true) this.options.backend.recordDegradedAdmit(request);
      return { decision: decision as DecisionFor<R>, source: 'local-fallback' };
    }
    const local: LimitRequest = isGlobalRequest(request)
      ? { key: request.key, algorithm: 'fixed_window', limit: input.local.limit, windowUs: request.windowMs * 1000, burst: input.local.limit, cost: request.cost, dryRun: request.dryRun }
      : { ...request, limit: input.local.limit, burst: input.local.burst };
    const decision = this.local.decideSync(local);
    if (decision.allowed && request.dryRun !== true) this.options.backend.recordDegradedAdmit(request);
    return { decision: forRequest(request, decision), source: 'local-fallback' };
  }

  private noteStoreFailure(error: StoreError): void {
    this.options.metrics.recordStoreFailure(storeFailureKind(error));
    this.log.warn('store', { err: error }, 'counter store failed; applying policy failure modes');
  }
}

/** How a store call failed, as the store-failure metric counts it. */
export function storeFailureKind(error: StoreError): StoreFailureKind {
  return error instanceof StoreCircuitOpenError ? 'circuit_open' : error instanceof StoreTimeoutError ? 'timeout' : 'unavailable';
}

/** A stack with each limit scaled to this instance's local bucket (every limit as it is when none is given). */
function localStack(request: StackedRequest, quotas: readonly LocalQuota[] | undefined): StackedRequest {
  if (quotas === undefined) return request;
  return { ...request, limits: request.limits.map((limit, index) => ({ ...limit, limit: quotas[index]?.limit ?? limit.limit, burst: quotas[index]?.burst ?? limit.burst })) };
}

/** A decision made without the store, in the shape `request` expects (a global one keeps its window, a stack names it for every limit). */
function forRequest<R extends StoreRequest>(request: R, decision: RawDecision): DecisionFor<R> {
  if (isStacked(request)) {
    const stacked: StackedDecision = { ...decision, limits: request.limits.map(() => decision), constraining: 0 };
    return stacked as DecisionFor<R>;
  }
  if (!isGlobalRequest(request)) return decision as DecisionFor<R>;
  const windowed: GlobalWindowDecision = { ...decision, windowStartMs: request.expectedStartMs, count: 0, matched: true };
  return windowed as DecisionFor<R>;
}
