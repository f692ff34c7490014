import { countInWindow, type FixedWindowState } from '../algorithms/fixed-window';
import type { GlobalWindowDecision } from '../global-window';
import type { CalendarBounds } from './calendar';

/**
 * A region's share of a global limit counted in a calendar window (a stacked limit's `window` with
 * global scope); twin of global_calendar_window in libs/redis-store/src/lua/algorithms.
 *
 * The caller gives the bounds of the window its clock says is current and the region's cap for
 * that window. While `now` is before `endUs` the request counts in those bounds against the cap
 * (a store clock still before `startUs` counts there too, as calendarWindowStep does). From `endUs`
 * on the cap is not this window's: nothing is counted, and the decision says `matched: false` with
 * the start of the window `now` is in (windows of the next one's length follow), so the caller asks
 * again with that window's bounds and cap. Same state as calendarWindowStep.
 */
export function globalCalendarWindowStep(input: { state: FixedWindowState | undefined; cap: number; bounds: CalendarBounds; cost: number; now: number }): {
  decision: GlobalWindowDecision;
  next: FixedWindowState | undefined;
  ttlUs: number;
} {
  const { bounds, now } = input;
  if (now >= bounds.endUs) {
    const length = bounds.nextEndUs - bounds.endUs;
    const storeStart = bounds.endUs + Math.floor((now - bounds.endUs) / length) * length;
    return {
      decision: { allowed: false, remaining: 0, resetUs: 0, retryAfterUs: 0, windowStartMs: Math.floor(storeStart / 1000), count: 0, matched: false },
      next: undefined,
      ttlUs: 0,
    };
  }
  const counted = countInWindow({ state: input.state, limit: input.cap, start: bounds.startUs, end: bounds.endUs, cost: input.cost, now });
  return { decision: { ...counted.decision, windowStartMs: Math.floor(bounds.startUs / 1000), count: 0, matched: true }, next: counted.next, ttlUs: counted.ttlUs };
}
