import { StoreUnavailableError } from '@rl/limiter-core';
import type { GlobalWindowDecision, GlobalWindowRequest } from '@rl/limiter-core';
import type { DecisionOutcome, DecisionPipeline } from './pipeline';

/**
 * Asking the store again when it counted in another window than the cap was picked for (our clock
 * and the store's disagree at a boundary) settles on the second try; a third disagreement means
 * the clocks are jumping, and the decision fails over like a store failure.
 */
export const MAX_WINDOW_ATTEMPTS = 3;

export interface GlobalWindowInput {
  /** The region's count key (buildGlobalCounterKey). */
  readonly key: string;
  readonly cost: number;
  readonly windowMs: number;
  /** Wall-clock milliseconds: which window this instance believes current. */
  readonly nowMs: number;
  /** The region's allocation for the window starting at `windowStartMs`; undefined while none is known yet. */
  readonly capFor: (windowStartMs: number) => number | undefined;
  readonly failureMode: 'open' | 'closed';
  /** Percent of the cap this instance's local bucket admits while the store is down. */
  readonly localPercent: number;
  /** How long until allocations are known (a fresh instance still reading the allocation stream), ms. */
  readonly allocationWaitMs: () => number;
  /** Called each time the store's window differed from ours. */
  readonly onWindowRetry?: () => void;
  /** Decide as otherwise, but consume nothing (see StoreRequest.dryRun). */
  readonly dryRun?: boolean;
}

/**
 * A decision against this region's share of a global limit, through the same pipeline as every
 * other decision (`algorithm: 'global_window'` requests). The cap is the region's allocation for
 * the window our clock says is current; when the store counted in another window (a request at a
 * boundary, clock skew) nothing was counted, and the request is asked again with that window's cap.
 *
 * No cap known yet (a fresh instance still reading the allocation stream): deny without a store
 * call, and tell the caller to come back once waiting is over, not at the window's end.
 */
export async function decideGlobalWindow(pipeline: DecisionPipeline, input: GlobalWindowInput): Promise<DecisionOutcome<GlobalWindowDecision>> {
  let expectedStartMs = Math.floor(input.nowMs / input.windowMs) * input.windowMs;
  let request: GlobalWindowRequest | undefined;
  let cap = 0;
  for (let attempt = 0; attempt < MAX_WINDOW_ATTEMPTS; attempt++) {
    const known = input.capFor(expectedStartMs);
    if (known === undefined) return { decision: notYetAllocated({ windowStartMs: expectedStartMs, retryAfterMs: input.allocationWaitMs() }), source: 'store' };
    cap = known;
    request = { algorithm: 'global_window', key: input.key, cap, cost: input.cost, windowMs: input.windowMs, expectedStartMs, dryRun: input.dryRun };
    const outcome = await pipeline.decide({ request, failureMode: input.failureMode, local: localShare(cap, input.localPercent) });
    if (outcome.source !== 'store' || outcome.decision.matched) return outcome;
    input.onWindowRetry?.();
    expectedStartMs = outcome.decision.windowStartMs;
  }
  const failure = new StoreUnavailableError(`global_window: the store's window kept moving (${MAX_WINDOW_ATTEMPTS} attempts)`, { cause: undefined });
  // `request` is set: the loop ran at least once and returned early on every path without one.
  return pipeline.failOver({ request: request as GlobalWindowRequest, failureMode: input.failureMode, local: localShare(cap, input.localPercent) }, failure);
}

/** This instance's local bucket for a region's cap while the store is down: `percent` of it, at least 1. */
export function localShare(cap: number, percent: number): { limit: number; burst: number } {
  const limit = Math.max(1, Math.floor((cap * percent) / 100));
  return { limit, burst: limit };
}

export function notYetAllocated(input: { windowStartMs: number; retryAfterMs: number }): GlobalWindowDecision {
  return { allowed: false, remaining: 0, resetUs: 0, retryAfterUs: Math.max(1, input.retryAfterMs) * 1000, windowStartMs: input.windowStartMs, count: 0, matched: true };
}
