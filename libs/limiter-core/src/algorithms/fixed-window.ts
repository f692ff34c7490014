import { clampRemaining } from '../numeric';
import type { Algorithm, StepInput, StepResult } from '../types';

/** [windowStartUs, count] */
export type FixedWindowState = readonly [number, number];

/** Start of the epoch-aligned window holding `now`; written as floor-multiply so Lua computes the same. */
export function windowStart(now: number, windowUs: number): number {
  return now - (now - Math.floor(now / windowUs) * windowUs);
}

/**
 * Fixed window counter. Time is cut into epoch-aligned windows; each admits `limit` units.
 *
 * Trade-offs:
 * - Memory: two numbers per key; the cheapest of the set in Redis (one small string).
 * - Burst: a full `limit` may arrive at the start of each window.
 * - Boundaries: a client can spend `limit` at the end of one window and `limit` again at the
 *   start of the next, so any sliding interval of one window may see up to 2 × limit.
 *   Aligned windows never exceed `limit`.
 * - Retry is exact: the next window's start.
 *
 * State: the units admitted in the current window, which do not depend on the limit. Limit changes
 * apply at once: `remaining = limit - count` under the new limit (3 used, raised from 3 to 5: 2
 * left; lowered below the count: denied until the window ends). A change of window length counts
 * in the new length's aligned windows: a count kept for a window that no longer exists is dropped.
 * A cost of 0 is a peek: always allowed, it reports the current remaining and reset and writes nothing.
 */
export const fixedWindow: Algorithm<FixedWindowState> = {
  name: 'fixed_window',
  step({ state, params, cost, now }: StepInput<FixedWindowState>): StepResult<FixedWindowState> {
    const start = windowStart(now, params.windowUs);
    return countInWindow({ state, limit: params.limit, start, end: start + params.windowUs, cost, now });
  },
};

/**
 * One fixed-window decision in the window [start, end) holding `now`: the step of fixedWindow
 * (epoch-aligned windows) and of calendar windows (calendarWindowStep) alike.
 */
export function countInWindow(input: { state: FixedWindowState | undefined; limit: number; start: number; end: number; cost: number; now: number }): StepResult<FixedWindowState> {
  const { state, limit, start, end, cost, now } = input;
  let count = state !== undefined && state[0] === start ? state[1] : 0;
  const allowed = cost === 0 || count + cost <= limit;
  let next: FixedWindowState | undefined;
  if (allowed && cost > 0) {
    count += cost;
    next = [start, count];
  }
  return {
    decision: {
      allowed,
      remaining: clampRemaining(limit - count, limit),
      resetUs: count > 0 ? end - now : 0,
      retryAfterUs: allowed ? 0 : end - now,
    },
    next,
    ttlUs: end - now,
  };
}
