import type { GlobalWindowDecision, GlobalWindowRequest } from './global-window';
import type { LimitRequest } from './limiter';
import type { StackedDecision, StackedRequest } from './stacked/stacked';
import type { StoreError } from './store-errors';
import type { RawDecision } from './types';

/**
 * Anything a counter store decides, told apart by `algorithm`: a regional limit (one of the six
 * algorithms), a region's share of a global limit (`global_window`), or several regional limits
 * all or nothing (`stacked`).
 */
export type StoreRequest = LimitRequest | GlobalWindowRequest | StackedRequest;

/** What a store answers: a GlobalWindowDecision for a global_window request, a StackedDecision for a stacked one, a RawDecision otherwise. */
export type StoreDecision = RawDecision | GlobalWindowDecision | StackedDecision;

/**
 * The batch port: one call decides many requests, regional and global alike.
 *
 * - Requests are applied in order: two requests for the same key behave as if sent one after the
 *   other (in a Redis store, at the same `now`).
 * - `dryRun: true` decides exactly as otherwise (same decision, remaining, reset and retry) and
 *   writes nothing; with `cost: 0` it is a peek (allowed, the counter's current remaining and reset).
 * - A cost above what the limit can ever admit is answered without the store (see `unadmissible`).
 * - A failure fails only the entries it concerns, never the whole call, and nothing that may have
 *   been applied is ever sent again.
 */
export interface BatchCounterStore {
  /**
   * Decides every request; entry i answers requests[i] (a GlobalWindowDecision for a
   * global_window request) or is the StoreError that kept it from being decided. Never rejects.
   */
  decideMany(requests: readonly StoreRequest[]): Promise<Array<StoreDecision | StoreError>>;
}
