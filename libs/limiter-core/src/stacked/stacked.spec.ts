import fc from 'fast-check';
import { ManualClock } from '../clock';
import { LocalLimiter } from '../limiter';
import { ALGORITHMS, type RawDecision } from '../types';
import { CalendarWindowClock, calendarBounds } from './calendar';
import { combineStacked, stackedMaxCost, type StackedLimit, type StackedRequest } from './stacked';

const T0 = 1_780_000_000_000_000;

function limit(name: string, fields: Partial<StackedLimit> & Pick<StackedLimit, 'algorithm' | 'limit' | 'windowUs'>): StackedLimit {
  return { key: `rl:{p:u}:${name}`, burst: fields.limit, ...fields };
}

describe('stacked limits (LocalLimiter)', () => {
  it('admits only when every limit admits, and a partial admit takes nothing', () => {
    const clock = new ManualClock(T0);
    const limiter = new LocalLimiter({ clock });
    const burst = limit('burst', { algorithm: 'token_bucket', limit: 10, windowUs: 1_000_000 });
    const month = limit('month', { algorithm: 'fixed_window', limit: 3, windowUs: 1, calendar: calendarBounds({ window: 'calendar-month', timeZone: 'UTC', nowUs: T0 }) });
    const request: StackedRequest = { algorithm: 'stacked', key: 'rl:{p:u}:st', limits: [burst, month], cost: 1 };
    for (let i = 0; i < 3; i++) expect(limiter.decideStackedSync(request).allowed).toBe(true);
    const denied = limiter.decideStackedSync(request);
    expect(denied).toMatchObject({ allowed: false, constraining: 1, retryAfterUs: month.calendar!.endUs - T0 });
    // The burst limit would have admitted; it reports what it holds, untouched by the denial.
    expect(denied.limits[0]).toMatchObject({ allowed: true, remaining: 7 });
    expect(limiter.decideSync({ ...burst, cost: 0, dryRun: true }).remaining).toBe(7);
    expect(limiter.decideSync({ ...month, cost: 0, dryRun: true }).remaining).toBe(0);
  });

  it('names the most constraining limit: the fewest remaining when admitted', () => {
    const decision = (remaining: number, allowed = true, retryAfterUs = 0): RawDecision => ({ allowed, remaining, resetUs: 5, retryAfterUs });
    expect(combineStacked({ allowed: true, limits: [decision(9), decision(2), decision(2)] })).toMatchObject({ constraining: 1, remaining: 2, retryAfterUs: 0 });
    expect(combineStacked({ allowed: false, limits: [decision(9), decision(0, false, 50), decision(0, false, 700)] })).toMatchObject({ constraining: 2, retryAfterUs: 700 });
    expect(stackedMaxCost([limit('a', { algorithm: 'gcra', limit: 10, windowUs: 1, burst: 4 }), limit('b', { algorithm: 'fixed_window', limit: 6, windowUs: 1 })])).toBe(4);
  });

  it('refuses a cost above the tightest limit without touching any', () => {
    const limiter = new LocalLimiter({ clock: new ManualClock(T0) });
    const request: StackedRequest = { algorithm: 'stacked', key: 'rl:{p:u}:st', limits: [limit('a', { algorithm: 'fixed_window', limit: 2, windowUs: 1_000_000 })], cost: 3 };
    expect(limiter.decideStackedSync(request)).toMatchObject({ allowed: false, reason: 'cost_exceeds_limit' });
  });

  it('matches every limit decided on its own, all or nothing, over random stacks and requests', () => {
    const limitArb = fc.record({
      algorithm: fc.constantFrom(...ALGORITHMS),
      limit: fc.integer({ min: 1, max: 8 }),
      windowUs: fc.integer({ min: 1_000, max: 5_000_000 }),
    });
    const stepArb = fc.record({ advanceUs: fc.integer({ min: 0, max: 2_000_000 }), cost: fc.integer({ min: 0, max: 3 }), dryRun: fc.boolean() });
    fc.assert(
      fc.property(fc.array(limitArb, { minLength: 1, maxLength: 4 }), fc.array(stepArb, { minLength: 1, maxLength: 40 }), (specs, steps) => {
        const limits = specs.map((spec, index) => limit(`l${index}`, spec));
        const clock = new ManualClock(T0);
        const stacked = new LocalLimiter({ clock });
        const reference = new LocalLimiter({ clock });
        for (const step of steps) {
          clock.advanceMicros(step.advanceUs);
          const cost = step.cost === 0 ? 0 : Math.min(step.cost, stackedMaxCost(limits));
          const dryRun = cost === 0 || step.dryRun;
          const got = stacked.decideStackedSync({ algorithm: 'stacked', key: 'rl:{p:u}:st', limits, cost, dryRun });
          const trial = limits.map((l) => reference.decideSync({ ...l, cost, dryRun: true }));
          const all = trial.every((d) => d.allowed);
          const expected = limits.map((l, i) => (all ? reference.decideSync({ ...l, cost, dryRun }) : trial[i].allowed ? reference.decideSync({ ...l, cost: 0, dryRun: true }) : trial[i]));
          expect(got.allowed).toBe(all);
          expect(got.limits).toEqual(expected);
        }
        // Nothing consumed by a denial: every counter ends where the reference's does.
        for (const l of limits) expect(stacked.decideSync({ ...l, cost: 0, dryRun: true })).toEqual(reference.decideSync({ ...l, cost: 0, dryRun: true }));
      }),
      { numRuns: 300 },
    );
  });
});

describe('a calendar limit in a stack, with an injected clock across DST', () => {
  it.each([
    ['America/New_York', '2026-03-08T12:00:00Z'],
    ['Europe/Berlin', '2026-10-25T12:00:00Z'],
  ])('resets at local midnight after a %s DST day, the retry pointing at it', (timeZone, noon) => {
    const clock = new ManualClock(Date.parse(noon) * 1000);
    const limiter = new LocalLimiter({ clock });
    const day = new CalendarWindowClock('calendar-day', timeZone);
    const request = (): StackedRequest => ({
      algorithm: 'stacked',
      key: 'rl:{p:u}:st',
      cost: 1,
      limits: [
        limit('burst', { algorithm: 'token_bucket', limit: 100, windowUs: 1_000_000 }),
        limit('day', { algorithm: 'fixed_window', limit: 2, windowUs: 1, calendar: day.boundsAt(clock.nowMicros()) }),
      ],
    });
    expect(limiter.decideStackedSync(request()).allowed).toBe(true);
    expect(limiter.decideStackedSync(request()).allowed).toBe(true);
    const denied = limiter.decideStackedSync(request());
    const end = day.boundsAt(clock.nowMicros()).endUs;
    expect(denied).toMatchObject({ allowed: false, constraining: 1, retryAfterUs: end - clock.nowMicros() });
    // A DST day: 23 or 25 hours from local midnight to local midnight.
    expect(Math.abs(end - day.boundsAt(clock.nowMicros()).startUs - 24 * 3_600_000_000)).toBe(3_600_000_000);
    clock.set(end - 1);
    expect(limiter.decideStackedSync(request()).allowed).toBe(false);
    clock.set(end);
    expect(limiter.decideStackedSync(request())).toMatchObject({ allowed: true, limits: [{ allowed: true }, { allowed: true, remaining: 1 }] });
  });
});
