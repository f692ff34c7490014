import type { GlobalWindowDecision, GlobalWindowRequest, LimitRequest, RawDecision } from '@rl/limiter-core';
import type { StoreError } from '@rl/redis-store';

/**
 * What one decision asks the counter store: a regional limit (one of the six algorithms) or a
 * region's share of a global limit (`algorithm: 'global_window'`). Both travel the same pipeline:
 * batching, tiers, breakers, hot keys, deny cache, degraded ledger.
 */
export type StoreRequest = LimitRequest | GlobalWindowRequest;

/** A regional decision, or a global-window one (which also says which window it counted in). */
export type StoreDecision = RawDecision | GlobalWindowDecision;

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

/**
 * Many decisions in one store call (RedisCounterStore.decideMany): entry i answers requests[i], or
 * is the StoreError that kept it from being decided. Never rejects.
 */
export interface BatchCounterStore {
  decideMany(requests: readonly StoreRequest[]): Promise<Array<StoreDecision | StoreError>>;
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
