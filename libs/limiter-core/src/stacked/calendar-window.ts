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
  const { bounds, now } = input;
  let start = bounds.startUs;
  let end = bounds.endUs;
  if (now >= end) {
    const length = bounds.nextEndUs - end;
    start = end + Math.floor((now - end) / length) * length;
    end = start + length;
  }
  return countInWindow({ state: input.state, limit: input.limit, start, end, cost: input.cost, now });
}
