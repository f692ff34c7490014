import { ManualClock } from '../clock';
import { LocalLimiter, type KeyedSettleableLimit } from '../limiter';
import type { StackedRequest } from '../stacked/stacked';
import { windowHolding } from '../stacked/calendar-window';

const SECOND = 1_000_000;
const HOUR = 3_600 * SECOND;
const T0 = Math.floor(1_700_000_040_000_000 / HOUR) * HOUR + 10 * SECOND;

/** A burst bucket (10 per minute), an hourly fixed window (100) and a calendar day (1,000), all settleable. */
function plan(): { limiter: LocalLimiter; clock: ManualClock; limits: KeyedSettleableLimit[]; request: (cost: number) => StackedRequest } {
  const clock = new ManualClock(T0);
  const limiter = new LocalLimiter({ clock });
  const dayStart = T0 - 5 * HOUR;
  const limits: KeyedSettleableLimit[] = [
    { key: 'rl:{p:u}:burst:tb', algorithm: 'token_bucket', params: { limit: 10, windowUs: 60 * SECOND, burst: 10 }, calendar: undefined },
    { key: 'rl:{p:u}:hour:fw', algorithm: 'fixed_window', params: { limit: 100, windowUs: HOUR, burst: 100 }, calendar: undefined },
    { key: 'rl:{p:u}:day:cw', algorithm: 'fixed_window', params: { limit: 1_000, windowUs: 24 * HOUR, burst: 1_000 }, calendar: { startUs: dayStart, endUs: dayStart + 24 * HOUR, nextEndUs: dayStart + 48 * HOUR } },
  ];
  const request = (cost: number): StackedRequest => ({
    algorithm: 'stacked',
    key: 'rl:{p:u}:st',
    cost,
    limits: limits.map((limit) => ({ key: limit.key, algorithm: limit.algorithm, ...limit.params, calendar: limit.calendar })),
  });
  return { limiter, clock, limits, request };
}

describe('stacked settles (settle/stack-settle.ts through LocalLimiter)', () => {
  it('records every limit with its own expiry, the record expiring with the latest', () => {
    const { limiter, limits, request } = plan();
    limiter.decideStackedSync(request(4));
    const record = limiter.recordStack({ limits, cost: 4 });
    expect(record.limits.map((limit) => limit.expiresAtUs)).toEqual([T0 + 60 * SECOND, T0 - 10 * SECOND + HOUR, T0 - 5 * HOUR + 24 * HOUR]);
    expect(record.expiresAtUs).toBe(T0 - 5 * HOUR + 24 * HOUR);
  });

  it('charges every limit, refunds the difference, and repeats nothing', () => {
    const { limiter, clock, limits, request } = plan();
    limiter.decideStackedSync(request(4));
    const record = limiter.recordStack({ limits, cost: 4 });
    const keys = limits.map((limit) => limit.key);
    const charged = limiter.settleStack({ keys, record, actualCost: 9 });
    expect(charged.status).toBe('settled');
    expect(charged.limits.map((limit) => limit.remaining)).toEqual([1, 91, 991]);
    const settledRecord = charged.record ?? record;
    expect(limiter.settleStack({ keys, record: settledRecord, actualCost: 0 }).limits.map((limit) => limit.remaining)).toEqual([1, 91, 991]);

    clock.advanceMicros(30 * SECOND);
    limiter.decideStackedSync(request(2));
    const second = limiter.recordStack({ limits, cost: 2 });
    // The bucket has drained 5 of its 9 and taken 2: 6 used; a refund of 2 leaves 4 used, the windows 9 each.
    expect(limiter.settleStack({ keys, record: second, actualCost: 0 }).limits.map((limit) => limit.remaining)).toEqual([6, 91, 991]);
  });

  it('leaves a limit whose window is over as it is, and expires once every one is over', () => {
    const { limiter, clock, limits, request } = plan();
    limiter.decideStackedSync(request(5));
    const record = limiter.recordStack({ limits, cost: 5 });
    const keys = limits.map((limit) => limit.key);
    clock.advanceMicros(61 * SECOND);
    const partial = limiter.settleStack({ keys, record, actualCost: 8 });
    expect(partial.limits.map((limit) => [limit.remaining, limit.open])).toEqual([
      [10, false],
      [92, true],
      [992, true],
    ]);
    clock.set(record.expiresAtUs);
    expect(limiter.settleStack({ keys, record: { ...record, actualCost: undefined }, actualCost: 50 }).status).toBe('expired');
  });

  it('charges without deciding, into debt on every limit, a calendar window in the window holding now', () => {
    const { limiter, clock, limits, request } = plan();
    expect(limiter.chargeStack({ limits, cost: 15 }).map((limit) => limit.remaining)).toEqual([0, 85, 985]);
    expect(limiter.decideStackedSync(request(1)).allowed).toBe(false);
    // Past the day's end the calendar window is the next day's: a fresh count.
    clock.set(T0 - 5 * HOUR + 24 * HOUR + SECOND);
    expect(limiter.chargeStack({ limits, cost: 1 }).map((limit) => limit.remaining)).toEqual([9, 99, 999]);
  });
});

describe('windowHolding', () => {
  const bounds = { startUs: 100, endUs: 200, nextEndUs: 350 };
  it('keeps the window given before its end, then rolls over in windows of the next one length', () => {
    expect(windowHolding(bounds, 50)).toBe(bounds);
    expect(windowHolding(bounds, 199)).toBe(bounds);
    expect(windowHolding(bounds, 200)).toEqual({ startUs: 200, endUs: 350, nextEndUs: 500 });
    expect(windowHolding(bounds, 649)).toEqual({ startUs: 500, endUs: 650, nextEndUs: 800 });
  });
});
