import fc from 'fast-check';
import { isTimeZone, type CalendarWindow } from '@rl/contracts';
import { calendarBounds, CalendarWindowClock } from './calendar';
import { calendarWindowStep } from './calendar-window';

const HOUR_US = 3_600_000_000;
const iso = (us: number): string => new Date(us / 1000).toISOString();
const us = (text: string): number => Date.parse(text) * 1000;

/** The local date and time of `instantUs` in `timeZone`, `YYYY-MM-DD HH:MM:SS`. */
function local(instantUs: number, timeZone: string): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(instantUs / 1000);
}

describe('calendarBounds', () => {
  it('cuts New York days at local midnight, 23 and 25 hours long on the DST days', () => {
    const spring = calendarBounds({ window: 'calendar-day', timeZone: 'America/New_York', nowUs: us('2026-03-08T12:00:00Z') });
    expect([iso(spring.startUs), iso(spring.endUs), iso(spring.nextEndUs)]).toEqual(['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z', '2026-03-10T04:00:00.000Z']);
    expect(spring.endUs - spring.startUs).toBe(23 * HOUR_US);
    const autumn = calendarBounds({ window: 'calendar-day', timeZone: 'America/New_York', nowUs: us('2026-11-01T05:30:00Z') });
    expect([iso(autumn.startUs), iso(autumn.endUs)]).toEqual(['2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z']);
    expect(autumn.endUs - autumn.startUs).toBe(25 * HOUR_US);
  });

  it('cuts Berlin months and ISO weeks at local midnight across the DST change', () => {
    const march = calendarBounds({ window: 'calendar-month', timeZone: 'Europe/Berlin', nowUs: us('2026-03-31T21:59:59Z') });
    expect([iso(march.startUs), iso(march.endUs), iso(march.nextEndUs)]).toEqual(['2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z', '2026-04-30T22:00:00.000Z']);
    const week = calendarBounds({ window: 'calendar-week', timeZone: 'Europe/Berlin', nowUs: us('2026-03-29T12:00:00Z') });
    // Monday 23 March 00:00 CET to Monday 30 March 00:00 CEST: one hour short of 7 days.
    expect([iso(week.startUs), iso(week.endUs)]).toEqual(['2026-03-22T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
    expect(week.endUs - week.startUs).toBe(7 * 24 * HOUR_US - HOUR_US);
  });

  it('starts a day whose midnight is skipped at the instant it begins (Santiago, DST at midnight)', () => {
    // Chile moves from -04 to -03 at 24:00 on the first Saturday of September: 6 Sep 2026 begins at 01:00.
    const bounds = calendarBounds({ window: 'calendar-day', timeZone: 'America/Santiago', nowUs: us('2026-09-06T12:00:00Z') });
    expect(local(bounds.startUs, 'America/Santiago')).toBe('2026-09-06 01:00:00');
    expect(local(bounds.startUs - 1000, 'America/Santiago')).toBe('2026-09-05 23:59:59');
    expect(bounds.endUs - bounds.startUs).toBe(23 * HOUR_US);
  });

  it.each(['America/New_York', 'Europe/Berlin', 'Australia/Sydney', 'America/Santiago', 'UTC'])('holds now, starts on the first local day, and ends where the next begins (%s)', (timeZone) => {
    const windows: CalendarWindow[] = ['calendar-day', 'calendar-week', 'calendar-month'];
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) }), fc.constantFrom(...windows), (ms, window) => {
        const nowUs = ms * 1000;
        const bounds = calendarBounds({ window, timeZone, nowUs });
        expect(bounds.startUs).toBeLessThanOrEqual(nowUs);
        expect(nowUs).toBeLessThan(bounds.endUs);
        expect(bounds.endUs).toBeLessThan(bounds.nextEndUs);
        // The next window is the one the end starts, and its own end is nextEndUs.
        expect(calendarBounds({ window, timeZone, nowUs: bounds.endUs })).toMatchObject({ startUs: bounds.endUs, endUs: bounds.nextEndUs });
        // The start is a local day boundary: the local date changes there.
        expect(local(bounds.startUs, timeZone).slice(0, 10)).not.toBe(local(bounds.startUs - 1000, timeZone).slice(0, 10));
        const first = local(bounds.startUs, timeZone);
        if (window === 'calendar-month') expect(first.slice(8, 10)).toBe('01');
        if (window === 'calendar-week') expect(new Date(`${first.slice(0, 10)}T00:00:00Z`).getUTCDay()).toBe(1);
        const hours = (bounds.endUs - bounds.startUs) / HOUR_US;
        const days = window === 'calendar-day' ? [1] : window === 'calendar-week' ? [7] : [28, 29, 30, 31];
        expect(days.some((d) => Math.abs(hours - 24 * d) <= 1)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('knows IANA zones and nothing else', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('')).toBe(false);
    expect(isTimeZone(3)).toBe(false);
  });
});

describe('CalendarWindowClock', () => {
  it('recomputes only when time leaves the cached window', () => {
    const clock = new CalendarWindowClock('calendar-day', 'Europe/Berlin');
    const first = clock.boundsAt(us('2026-03-29T10:00:00Z'));
    expect(clock.boundsAt(us('2026-03-29T21:59:59Z'))).toBe(first);
    expect(clock.boundsAt(us('2026-03-29T22:00:00Z')).startUs).toBe(first.endUs);
  });
});

describe('calendarWindowStep', () => {
  it('resets at the local boundary in two time zones across DST, with the retry pointing at it', () => {
    for (const [timeZone, day] of [
      ['America/New_York', '2026-03-08T12:00:00Z'],
      ['Europe/Berlin', '2026-10-25T12:00:00Z'],
    ] as const) {
      const bounds = calendarBounds({ window: 'calendar-day', timeZone, nowUs: us(day) });
      let state = calendarWindowStep({ state: undefined, limit: 2, bounds, cost: 2, now: us(day) }).next;
      const denied = calendarWindowStep({ state, limit: 2, bounds, cost: 1, now: us(day) });
      expect(denied.decision).toMatchObject({ allowed: false, remaining: 0, retryAfterUs: bounds.endUs - us(day) });
      expect(calendarWindowStep({ state, limit: 2, bounds, cost: 1, now: bounds.endUs - 1 }).decision.allowed).toBe(false);
      // The store's clock past the boundary: the next window, with the bounds the caller gave.
      const after = calendarWindowStep({ state, limit: 2, bounds, cost: 1, now: bounds.endUs });
      expect(after.decision).toMatchObject({ allowed: true, remaining: 1, resetUs: bounds.nextEndUs - bounds.endUs });
      state = after.next;
      expect(state).toEqual([bounds.endUs, 1]);
    }
  });

  it('counts a late write-back beyond the next window in windows of the last length', () => {
    const bounds = { startUs: 0, endUs: 100, nextEndUs: 300 };
    const result = calendarWindowStep({ state: undefined, limit: 5, bounds, cost: 1, now: 750 });
    expect(result.next).toEqual([700, 1]);
    expect(result.decision.resetUs).toBe(150);
  });
});
