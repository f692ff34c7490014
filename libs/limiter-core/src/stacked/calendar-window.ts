import { countInWindow, type FixedWindowState } from '../algorithms/fixed-window';
import type { StepResult } from '../types';
import type { CalendarBounds } from './calendar';

/**
 * A fixed window whose boundaries are given (a calendar day, week or month, see calendar.ts)
 * instead of epoch-aligned; twin of calendar_window in libs/redis-store/src/lua/algorithms.
 *
 * The window is [startUs, endUs) while `now` is before `endUs`; from `endUs` on it is the next one,
 * [endUs, nextEndUs): the caller computed the bounds on its own clock, and the store's clock may
 * already be past the boundary. Beyond `nextEndUs` (only a late write-back gets there) windows of
 * the last one's length follow. A store clock still before `startUs` (behind the caller's by a
 * skew, just after a boundary) counts in the window given: the new window starts that much early. Same state and semantics as fixedWindow: the count of the current
 * window, a cost of 0 is a peek, a denial retries at the window's end (the local boundary).
 */
export function calendarWindowStep(input: { state: FixedWindowState | undefined; limit: number; bounds: CalendarBounds; cost: number; now: number }): StepResult<FixedWindowState> {
  const { startUs, endUs } = windowHolding(input.bounds, input.now);
  return countInWindow({ state: input.state, limit: input.limit, start: startUs, end: endUs, cost: input.cost, now: input.now });
}

/**
 * The window holding `t` among [startUs, endUs), then [endUs, nextEndUs), then windows of the last
 * one's length; a `t` before startUs keeps the window given. Twin of window_holding in
 * libs/redis-store/src/lua/lib/window.lua.
 */
export function windowHolding(bounds: CalendarBounds, t: number): CalendarBounds {
  if (t < bounds.endUs) return bounds;
  const length = bounds.nextEndUs - bounds.endUs;
  const startUs = bounds.endUs + Math.floor((t - bounds.endUs) / length) * length;
  return { startUs, endUs: startUs + length, nextEndUs: startUs + 2 * length };
}
