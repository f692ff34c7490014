import { clampRemaining, settleRetry } from '../numeric';
import type { Algorithm, LimitParams, StepInput, StepResult } from '../types';
import { windowStart } from './fixed-window';

/** [currentWindowStartUs, previousCount, currentCount] */
export type SlidingWindowState = readonly [number, number, number];

/**
 * Sliding window counter. Keeps the counts of the current and the previous aligned window and
 * estimates the last `window` as `previous × (unelapsed fraction) + current`.
 *
 * Trade-offs:
 * - Memory: three numbers per key, independent of the limit.
 * - Burst: smoothed across the boundary; a full `limit` is available only after a quiet window.
 * - Boundaries: the estimate assumes the previous window's traffic was spread evenly. Aligned
 *   windows never exceed `limit`; when the previous window's traffic was packed at its end, an
 *   arbitrary sliding interval can see up to (almost) 2 × limit. In practice the error is small,
 *   which is why this is the usual default for API quotas.
 *
 * State: the counts of the two windows, which do not depend on the limit. Limit changes apply at
 * once: `remaining = limit - estimate` under the new limit. A change of window length counts in
 * the new length's aligned windows (counts kept for windows that no longer exist are dropped).
 * A cost of 0 is a peek: always allowed, it reports the current remaining and reset and writes
 * nothing. The estimate after an admission is computed from the new counts, exactly as a peek
 * right after it computes it.
 */
export const slidingWindow: Algorithm<SlidingWindowState> = {
  name: 'sliding_window',
  step({ state, params, cost, now }: StepInput<SlidingWindowState>): StepResult<SlidingWindowState> {
    const { limit, windowUs } = params;
    const view = viewAt(state, params, now);
    const allowed = cost === 0 || view.estimate + cost <= limit;
    let estimate = view.estimate;
    let current = view.current;
    let next: SlidingWindowState | undefined;
    if (allowed && cost > 0) {
      current += cost;
      estimate = weighted(view.previous, view.start + windowUs - now, windowUs) + current;
      next = [view.start, view.previous, current];
    }
    let resetUs = 0;
    if (current > 0) resetUs = view.start + 2 * windowUs - now;
    else if (view.previous > 0) resetUs = view.start + windowUs - now;
    let retryAfterUs = 0;
    if (!allowed) {
      retryAfterUs = settleRetry(retryCandidate(view, params, cost, now), (w) => viewAt(state, params, now + w).estimate + cost <= limit);
    }
    return {
      decision: { allowed, remaining: clampRemaining(limit - estimate, limit), resetUs, retryAfterUs },
      next,
      ttlUs: view.start + 2 * windowUs - now,
    };
  },
};

interface WindowView {
  readonly start: number;
  readonly previous: number;
  readonly current: number;
  readonly estimate: number;
}

function viewAt(state: SlidingWindowState | undefined, { windowUs }: LimitParams, now: number): WindowView {
  const start = windowStart(now, windowUs);
  let previous = 0;
  let current = 0;
  if (state !== undefined) {
    if (state[0] === start) {
      previous = state[1];
      current = state[2];
    } else if (state[0] === start - windowUs) {
      previous = state[2];
    }
  }
  return { start, previous, current, estimate: weighted(previous, start + windowUs - now, windowUs) + current };
}

/** The previous window's count weighted by the unelapsed part of the current window. */
function weighted(previous: number, unelapsedUs: number, windowUs: number): number {
  return (previous * unelapsedUs) / windowUs;
}

/** Where the estimate first admits `cost`, solved for the elapsed time; settleRetry verifies it. */
function retryCandidate(view: WindowView, { limit, windowUs }: LimitParams, cost: number, now: number): number {
  if (view.current + cost <= limit && view.previous > 0) {
    const elapsedNeeded = windowUs - ((limit - view.current - cost) * windowUs) / view.previous;
    const candidate = Math.ceil(view.start + elapsedNeeded - now);
    if (candidate < view.start + windowUs - now) return candidate;
  }
  const nextStart = view.start + windowUs;
  if (view.current === 0) return nextStart - now;
  const elapsedNeeded = windowUs - ((limit - cost) * windowUs) / view.current;
  return nextStart - now + (elapsedNeeded > 0 ? Math.ceil(elapsedNeeded) : 0);
}
