import type { GlobalWindowDecision, GlobalWindowRequest, RawDecision, StackedDecision, StackedRequest, StoreRequest } from '@rl/limiter-core';

/**
 * The pipeline decides limiter-core's StoreRequests, regional and global alike: both travel the
 * same chain of batching, tiers, breakers, hot keys, deny cache and degraded ledger.
 */
export type { BatchCounterStore, StoreDecision, StoreRequest } from '@rl/limiter-core';

/** The decision a request gets: a GlobalWindowDecision for a global_window request, a StackedDecision for a stacked one. */
export type DecisionFor<R extends StoreRequest> = R extends GlobalWindowRequest ? GlobalWindowDecision : R extends StackedRequest ? StackedDecision : RawDecision;

export function isGlobalRequest(request: StoreRequest): request is GlobalWindowRequest {
  return request.algorithm === 'global_window';
}

export function isStacked(request: StoreRequest): request is StackedRequest {
  return request.algorithm === 'stacked';
}

/**
 * The port every stage of the pipeline implements and decorates (batching, breaker, tiers, hot
 * keys). `decide` rejects with a StoreError (@rl/redis-store) when the store cannot decide; the
 * pipeline then applies the policy's failure mode. Any other rejection is a bug.
 */
export interface DecisionStore {
  decide<R extends StoreRequest>(request: R): Promise<DecisionFor<R>>;
}

/**
 * The limit parameters a remembered answer is valid for (the deny cache, leases): a global
 * request's cap is its limit; a stack's limits are its `signature`.
 */
export interface LimitShape {
  readonly algorithm: StoreRequest['algorithm'];
  readonly limit: number;
  readonly windowUs: number;
  readonly burst: number;
  readonly signature?: string;
}

export function limitShape(request: StoreRequest): LimitShape {
  if (isGlobalRequest(request)) return { algorithm: request.algorithm, limit: request.cap, windowUs: request.windowMs * 1000, burst: request.cap };
  if (isStacked(request)) {
    const signature = request.limits.map((l) => `${l.algorithm}:${l.limit}:${l.windowUs}:${l.burst}:${l.calendar?.startUs ?? ''}`).join('|');
    return { algorithm: request.algorithm, limit: 0, windowUs: 0, burst: 0, signature };
  }
  return request;
}
