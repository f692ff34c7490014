import fc from 'fast-check';
import type { Algorithm, AlgorithmName, LimitParams } from '../types';
import { algorithmFor } from './index';
import { windowStart } from './fixed-window';

/**
 * Property tests over every algorithm, for limits 1..1e9, windows 1 ms..30 days and costs up to
 * the limit. Each algorithm is checked against the promise its doc comment makes.
 */

const MS = 1_000;
const DAY = 86_400_000_000;
const T0 = 1_700_000_000_123_457;

const BUCKETS: AlgorithmName[] = ['token_bucket', 'gcra', 'leaky_bucket'];
const ALL: AlgorithmName[] = [...BUCKETS, 'fixed_window', 'sliding_window', 'sliding_log'];

interface Scenario {
  readonly params: LimitParams;
  readonly steps: ReadonlyArray<{ readonly advance: number; readonly cost: number }>;
}

const scenario = (algorithm: AlgorithmName): fc.Arbitrary<Scenario> =>
  fc
    .record({
      limit: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 1_000_000_000 })),
      windowUs: fc.oneof(fc.integer({ min: MS, max: 60 * MS }), fc.integer({ min: MS, max: 30 * DAY })),
      burstFactor: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    .chain(({ limit, windowUs, burstFactor }) => {
      const burst = BUCKETS.includes(algorithm) ? Math.max(1, Math.round(limit * (0.2 + burstFactor))) : limit;
      const capacity = Math.min(limit, burst);
      const advance = fc.oneof(
        fc.constant(0),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: Math.max(1, Math.floor(windowUs / 4)) }),
        fc.integer({ min: 0, max: 2 * windowUs }),
      );
      const cost = fc.oneof(fc.constant(1), fc.integer({ min: 1, max: capacity }), fc.integer({ min: 1, max: Math.max(1, Math.floor(capacity / 3)) }));
      return fc.record({
        params: fc.constant({ limit, windowUs, burst }),
        steps: fc.array(fc.record({ advance, cost }), { minLength: 1, maxLength: 60 }),
      });
    });

interface Trace {
  at: number;
  cost: number;
  allowed: boolean;
}

function play(algorithm: Algorithm<unknown>, { params, steps }: Scenario, check: (ctx: { state: unknown; now: number; cost: number }) => void = () => undefined): Trace[] {
  let state: unknown;
  let now = T0;
  const trace: Trace[] = [];
  for (const { advance, cost } of steps) {
    now += advance;
    check({ state, now, cost });
    const result = algorithm.step({ state, params, cost, now });
    if (result.next !== undefined) state = result.next;
    trace.push({ at: now, cost, allowed: result.decision.allowed });
  }
  return trace;
}

const admitted = (trace: Trace[]): Trace[] => trace.filter((t) => t.allowed);

/** Sum of admitted cost with `from <= at <= to`. */
function sumBetween(trace: Trace[], from: number, to: number): number {
  let sum = 0;
  for (const t of trace) if (t.at >= from && t.at <= to) sum += t.cost;
  return sum;
}

const RUNS = { numRuns: 150 };

describe.each(ALL)('%s', (name) => {
  const algorithm = algorithmFor(name);

  it('keeps every figure finite, remaining an integer in [0, limit], and times non-negative integers', () => {
    fc.assert(
      fc.property(scenario(name), (sc) => {
        let state: unknown;
        let now = T0;
        for (const { advance, cost } of sc.steps) {
          now += advance;
          const { decision, next, ttlUs } = algorithm.step({ state, params: sc.params, cost, now });
          if (next !== undefined) state = next;
          for (const v of [decision.remaining, decision.resetUs, decision.retryAfterUs, ttlUs]) {
            expect(Number.isFinite(v)).toBe(true);
            expect(Number.isInteger(v)).toBe(true);
            expect(v).toBeGreaterThanOrEqual(0);
          }
          expect(decision.remaining).toBeLessThanOrEqual(sc.params.limit);
          expect(decision.allowed ? decision.retryAfterUs === 0 : decision.retryAfterUs >= 1).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('admits a request of the same cost sent exactly retryAfterSeconds later', () => {
    fc.assert(
      fc.property(scenario(name), (sc) => {
        play(algorithm, sc, ({ state, now, cost }) => {
          const { decision } = algorithm.step({ state, params: sc.params, cost, now });
          if (decision.allowed) return;
          const retryAfterSeconds = decision.retryAfterUs / 1_000_000;
          const later = now + Math.round(retryAfterSeconds * 1_000_000);
          expect(algorithm.step({ state, params: sc.params, cost, now: later }).decision.allowed).toBe(true);
        });
      }),
      RUNS,
    );
  });

  it('answers a peek (cost 0) as allowed, with no retry and nothing to write, reporting what a decision right now reports', () => {
    fc.assert(
      fc.property(scenario(name), (sc) => {
        play(algorithm, sc, ({ state, now, cost }) => {
          const before = algorithm.step({ state, params: sc.params, cost: 0, now });
          expect(before.decision.allowed).toBe(true);
          expect(before.decision.retryAfterUs).toBe(0);
          expect(before.next).toBeUndefined();
          // The state a real decision leaves, peeked at the same instant, shows that decision's
          // remaining and reset exactly: a peek adds no phantom usage (sliding_log: no entry).
          const real = algorithm.step({ state, params: sc.params, cost, now });
          const after = algorithm.step({ state: real.next ?? state, params: sc.params, cost: 0, now });
          expect({ remaining: after.decision.remaining, resetUs: after.decision.resetUs }).toEqual({
            remaining: real.decision.remaining,
            resetUs: real.decision.resetUs,
          });
          // Nothing consumed: the peek before saw at least what the real decision left.
          expect(before.decision.remaining).toBeGreaterThanOrEqual(real.decision.remaining);
          if (!real.decision.allowed) expect(before.decision).toEqual({ ...real.decision, allowed: true, retryAfterUs: 0 });
        });
      }),
      RUNS,
    );
  });

  it('never admits more than it promises over any window', () => {
    fc.assert(
      fc.property(scenario(name), (sc) => {
        const ok = admitted(play(algorithm, sc));
        const { limit, windowUs, burst } = sc.params;
        const slack = 1e-9 * Math.max(limit, burst);
        for (let i = 0; i < ok.length; i++) {
          for (let j = i; j < ok.length; j++) {
            const span = ok[j].at - ok[i].at;
            const sum = sumBetween(ok, ok[i].at, ok[j].at);
            switch (name) {
              case 'token_bucket':
              case 'gcra':
              case 'leaky_bucket':
                // Over any interval t: at most burst + t × limit / window.
                expect(sum).toBeLessThanOrEqual(burst + (span * limit) / windowUs + slack);
                break;
              case 'sliding_log':
                // Exactly: no interval shorter than one window holds more than limit.
                if (span < windowUs) expect(sum).toBeLessThanOrEqual(limit);
                break;
              case 'fixed_window':
              case 'sliding_window':
                // Aligned windows hold at most limit; any shorter interval at most 2 × limit.
                if (windowStart(ok[i].at, windowUs) === windowStart(ok[j].at, windowUs)) expect(sum).toBeLessThanOrEqual(limit);
                if (span < windowUs) expect(sum).toBeLessThanOrEqual(2 * limit);
                break;
            }
          }
        }
      }),
      RUNS,
    );
  });
});
