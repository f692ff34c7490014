import { unadmissibleStacked } from '../limiter';
import { calendarBounds } from './calendar';
import { globalCalendarWindowStep } from './global-calendar-window';

describe('globalCalendarWindowStep', () => {
  // October 2026 in Berlin: 30 September 22:00 UTC to 31 October 23:00 UTC (the DST hour ends on the 25th).
  const october = calendarBounds({ window: 'calendar-month', timeZone: 'Europe/Berlin', nowUs: Date.UTC(2026, 9, 15) * 1000 });

  it('counts against the cap in the bounds given, and denies until their end once it is reached', () => {
    const now = Date.UTC(2026, 9, 26) * 1000;
    const first = globalCalendarWindowStep({ state: undefined, cap: 2, bounds: october, cost: 2, now });
    expect(first.decision).toEqual({ allowed: true, remaining: 0, resetUs: october.endUs - now, retryAfterUs: 0, windowStartMs: october.startUs / 1000, count: 0, matched: true });
    const denied = globalCalendarWindowStep({ state: first.next, cap: 2, bounds: october, cost: 1, now });
    expect(denied.decision).toMatchObject({ allowed: false, retryAfterUs: october.endUs - now, matched: true });
    expect(denied.next).toBeUndefined();
    // A raised cap admits at once, in the same window.
    expect(globalCalendarWindowStep({ state: first.next, cap: 3, bounds: october, cost: 1, now }).decision.allowed).toBe(true);
  });

  it('from the end of the bounds on, counts nothing and names the window the clock is in', () => {
    const november = calendarBounds({ window: 'calendar-month', timeZone: 'Europe/Berlin', nowUs: october.endUs });
    const late = globalCalendarWindowStep({ state: undefined, cap: 5, bounds: october, cost: 1, now: october.endUs + 1 });
    expect(late).toEqual({ decision: { allowed: false, remaining: 0, resetUs: 0, retryAfterUs: 0, windowStartMs: november.startUs / 1000, count: 0, matched: false }, next: undefined, ttlUs: 0 });
  });

  it('a cost above a global limit\'s cap is not unadmissible: the next allocation may raise the cap', () => {
    const limits = [
      { key: 'a', algorithm: 'token_bucket' as const, limit: 10, windowUs: 1_000_000, burst: 10 },
      { key: 'b', algorithm: 'fixed_window' as const, limit: 3, windowUs: 0, burst: 3, calendar: october, global: { expectedStartMs: october.startUs / 1000 } },
    ];
    expect(unadmissibleStacked({ algorithm: 'stacked', key: 's', limits, cost: 5 })).toBeUndefined();
    expect(unadmissibleStacked({ algorithm: 'stacked', key: 's', limits, cost: 11 })).toMatchObject({ allowed: false, reason: 'cost_exceeds_limit' });
  });
});
