import fc from 'fast-check';
import { clampRemaining } from '../numeric';
import type { AlgorithmName, LimitParams, RawDecision } from '../types';
import { windowStart } from './fixed-window';
import { algorithmFor } from './index';

/**
 * Limit changes take effect at once, for every algorithm: a decision under new parameters behaves
 * as "the new capacity minus what was used", clamped to [0, limit], for raises and lowerings.
 *
 * "What was used" is modelled here in exact arithmetic, per family:
 * - token bucket, GCRA, leaky bucket: the units used at the last write, drained since at
 *   limit / window of the parameters in force *now*;
 * - fixed window: the units admitted in the current aligned window;
 * - sliding window: previous window's count × unelapsed fraction + current window's count;
 * - sliding log: the costs admitted in the last window.
 * Windows are powers of two microseconds and times integers, so every model value is a dyadic
 * rational that doubles hold exactly: the model and the algorithms must agree to the unit.
 */

const BUCKETS: AlgorithmName[] = ['token_bucket', 'gcra', 'leaky_bucket'];
const ALL: AlgorithmName[] = [...BUCKETS, 'fixed_window', 'sliding_window', 'sliding_log'];
const T0 = 1_700_000_000_000_000;

const capacityOf = (algorithm: AlgorithmName, params: LimitParams): number => (BUCKETS.includes(algorithm) ? params.burst : params.limit);

interface Step {
  readonly advance: number;
  readonly params: LimitParams;
  readonly cost: number;
  readonly dryRun: boolean;
}

/** The exact "used" model of one counter, per family. */
class UsageModel {
  private meter: { used: number; at: number } | undefined;
  private window: { start: number; previous: number; current: number } | undefined;
  private log: { at: number; cost: number }[] = [];

  constructor(private readonly algorithm: AlgorithmName) {}

  usedAt(now: number, { limit, windowUs }: LimitParams): number {
    switch (this.algorithm) {
      case 'fixed_window': {
        const w = this.window;
        return w !== undefined && w.start === windowStart(now, windowUs) ? w.current : 0;
      }
      case 'sliding_window': {
        const start = windowStart(now, windowUs);
        const w = this.window;
        if (w === undefined) return 0;
        if (w.start === start) return (w.previous * (start + windowUs - now)) / windowUs + w.current;
        if (w.start === start - windowUs) return (w.current * (start + windowUs - now)) / windowUs;
        return 0;
      }
      case 'sliding_log':
        return this.log.filter((e) => e.at > now - windowUs).reduce((sum, e) => sum + e.cost, 0);
      default: {
        if (this.meter === undefined) return 0;
        const drained = ((now - this.meter.at) * limit) / windowUs;
        return Math.max(0, this.meter.used - drained);
      }
    }
  }

  record(now: number, params: LimitParams, cost: number): void {
    const { windowUs } = params;
    switch (this.algorithm) {
      case 'fixed_window':
        this.window = { start: windowStart(now, windowUs), previous: 0, current: this.usedAt(now, params) + cost };
        return;
      case 'sliding_window': {
        const start = windowStart(now, windowUs);
        const w = this.window;
        if (w !== undefined && w.start === start) this.window = { ...w, current: w.current + cost };
        else if (w !== undefined && w.start === start - windowUs) this.window = { start, previous: w.current, current: cost };
        else this.window = { start, previous: 0, current: cost };
        return;
      }
      case 'sliding_log':
        this.log.push({ at: now, cost });
        return;
      default:
        this.meter = { used: this.usedAt(now, params) + cost, at: now };
    }
  }
}

const history = (algorithm: AlgorithmName): fc.Arbitrary<Step[]> =>
  fc
    .record({
      windowUs: fc.constantFrom(2 ** 10, 2 ** 16, 2 ** 20, 2 ** 26),
      limits: fc.array(fc.record({ limit: fc.integer({ min: 1, max: 20 }), burstShare: fc.integer({ min: 1, max: 60 }) }), { minLength: 2, maxLength: 4 }),
    })
    .chain(({ windowUs, limits }) => {
      const variants: LimitParams[] = limits.map(({ limit, burstShare }) => ({
        limit,
        windowUs,
        burst: BUCKETS.includes(algorithm) ? Math.max(1, Math.round((limit * burstShare) / 20)) : limit,
      }));
      const step = fc
        .record({
          advance: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: windowUs / 8 }), fc.integer({ min: 0, max: 2 * windowUs })),
          params: fc.constantFrom(...variants),
          costShare: fc.double({ min: 0, max: 1, noNaN: true }),
          dryRun: fc.boolean(),
        })
        .map(({ advance, params, costShare, dryRun }) => ({ advance, params, cost: Math.round(costShare * capacityOf(algorithm, params)), dryRun }));
      return fc.array(step, { minLength: 1, maxLength: 50 });
    });

describe.each(ALL)('%s: limit changes take effect at once', (name) => {
  const algorithm = algorithmFor(name);

  it('decides every request as "capacity under its own parameters minus what was used" (fast-check)', () => {
    fc.assert(
      fc.property(history(name), (steps) => {
        const model = new UsageModel(name);
        let state: unknown;
        let now = T0;
        steps.forEach(({ advance, params, cost, dryRun }, index) => {
          now += advance;
          const used = model.usedAt(now, params);
          const capacity = capacityOf(name, params);
          const allowed = cost === 0 || used + cost <= capacity;
          const expected = { allowed, remaining: clampRemaining(capacity - used - (allowed ? cost : 0), params.limit) };
          const { decision, next } = algorithm.step({ state, params, cost, now });
          expect({ index, allowed: decision.allowed, remaining: decision.remaining }).toEqual({ index, ...expected });
          if (!dryRun && next !== undefined) state = next;
          if (!dryRun && allowed && cost > 0) model.record(now, params, cost);
        });
      }),
      { numRuns: 300 },
    );
  });

  /** Takes `used` units under `before`, then asks under `after` at the same instant. */
  function change(before: LimitParams, used: number, after: LimitParams, cost: number): RawDecision[] {
    let state: unknown;
    for (let i = 0; i < used; i++) {
      const result = algorithm.step({ state, params: before, cost: 1, now: T0 });
      expect(result.decision.allowed).toBe(true);
      state = result.next;
    }
    const peek = algorithm.step({ state, params: after, cost: 0, now: T0 }).decision;
    const ask = algorithm.step({ state, params: after, cost, now: T0 }).decision;
    return [peek, ask];
  }

  it('limit 3 with 3 used, raised to 5: 2 left at once', () => {
    const [peek, ask] = change({ limit: 3, windowUs: 60_000_000, burst: 3 }, 3, { limit: 5, windowUs: 60_000_000, burst: 5 }, 2);
    expect(peek).toEqual({ allowed: true, remaining: 2, resetUs: expect.any(Number), retryAfterUs: 0 });
    expect(ask).toMatchObject({ allowed: true, remaining: 0 });
    const [, tooMuch] = change({ limit: 3, windowUs: 60_000_000, burst: 3 }, 3, { limit: 5, windowUs: 60_000_000, burst: 5 }, 3);
    expect(tooMuch).toMatchObject({ allowed: false, remaining: 2 });
  });

  it('limit 10 with 6 used, lowered to 4: nothing left, denied at once', () => {
    const [peek, ask] = change({ limit: 10, windowUs: 60_000_000, burst: 10 }, 6, { limit: 4, windowUs: 60_000_000, burst: 4 }, 1);
    expect(peek).toMatchObject({ allowed: true, remaining: 0, retryAfterUs: 0 });
    expect(ask.allowed).toBe(false);
    expect(ask.retryAfterUs).toBeGreaterThan(0);
  });
});
