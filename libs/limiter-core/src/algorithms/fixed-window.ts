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
 */
export const fixedWindow: Algorithm<FixedWindowState> = {
  name: 'fixed_window',
  step({ state, params, cost, now }: StepInput<FixedWindowState>): StepResult<FixedWindowState> {
    const { limit, windowUs } = params;
    const start = windowStart(now, windowUs);
    const end = start + windowUs;
    let count = state !== undefined && state[0] === start ? state[1] : 0;
    const allowed = count + cost <= limit;
    let next: FixedWindowState | undefined;
    if (allowed) {
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
  },
};
