import type { GlobalWindowDecision, GlobalWindowRequest, RawDecision, StoreRequest } from '@rl/limiter-core';

/**
 * The pipeline decides limiter-core's StoreRequests, regional and global alike: both travel the
 * same chain of batching, tiers, breakers, hot keys, deny cache and degraded ledger.
 */
export type { BatchCounterStore, StoreDecision, StoreRequest } from '@rl/limiter-core';

/** The decision a request gets: a GlobalWindowDecision for a global_window request. */
export type DecisionFor<R extends StoreRequest> = R extends GlobalWindowRequest ? GlobalWindowDecision : RawDecision;

export function isGlobalRequest(request: StoreRequest): request is GlobalWindowRequest {
  return request.algorithm === 'global_window';
}

/**
 * The port every stage of the pipeline implements and decorates (batching, breaker, tiers, hot
 * keys). `decide` rejects with a StoreError (@rl/redis-store) when the store cannot decide; the
 * pipeline then applies the policy's failure mode. Any other rejection is a bug.
 */
export interface DecisionStore {
  decide<R extends StoreRequest>(request: R): Promise<DecisionFor<R>>;
}

/** The limit parameters a remembered answer is valid for (the deny cache, leases): a global request's cap is its limit. */
export interface LimitShape {
  readonly algorithm: StoreRequest['algorithm'];
  readonly limit: number;
  readonly windowUs: number;
  readonly burst: number;
}

export function limitShape(request: StoreRequest): LimitShape {
  if (isGlobalRequest(request)) return { algorithm: request.algorithm, limit: request.cap, windowUs: request.windowMs * 1000, burst: request.cap };
  return request;
}
