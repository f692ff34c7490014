import { ALGORITHMS, maxCost } from '@rl/limiter-core';
import { expectedDecisions, randomWalkVector, TEST_VECTORS } from './vectors';

describe('shared test vectors', () => {
  it('has unique names and covers every algorithm', () => {
    const names = TEST_VECTORS.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    expect(TEST_VECTORS.length).toBeGreaterThanOrEqual(30);
    for (const algorithm of ALGORITHMS) {
      expect(TEST_VECTORS.filter((v) => v.algorithm === algorithm).length).toBeGreaterThanOrEqual(6);
    }
  });

  it('asks only for costs a store would send (never above what the limit in force can admit)', () => {
    for (const vector of TEST_VECTORS) {
      for (const { cost, params } of expectedDecisions(vector)) expect(cost).toBeLessThanOrEqual(maxCost(vector.algorithm, params.limit, params.burst));
    }
  });

  it('changes the limit, up and down, somewhere in every algorithm', () => {
    for (const algorithm of ALGORITHMS) {
      const changes = TEST_VECTORS.filter((v) => v.algorithm === algorithm).flatMap((v) =>
        expectedDecisions(v).flatMap((e, i, all) => (i > 0 && e.params !== all[i - 1].params ? [e.params.limit - all[i - 1].params.limit] : [])),
      );
      expect(changes.some((d) => d > 0)).toBe(true);
      expect(changes.some((d) => d < 0)).toBe(true);
    }
  });

  it('leaves 2 after 3 used when the limit is raised from 3 to 5, in every algorithm', () => {
    for (const algorithm of ALGORITHMS) {
      const vector = TEST_VECTORS.find((v) => v.algorithm === algorithm && v.name.includes('raised from 3 to 5'));
      if (vector === undefined) throw new Error(`no limit-raise vector for ${algorithm}`);
      const steps = expectedDecisions(vector);
      // Steps 0-2 use 3, step 3 is denied, step 4 is the first under limit 5: it takes 1 of the 2 left.
      expect(steps.slice(0, 5).map((s) => [s.decision.allowed, s.decision.remaining])).toEqual([
        [true, 2],
        [true, 1],
        [true, 0],
        [false, 0],
        [true, 1],
      ]);
    }
  });

  it('uses integer microsecond times only', () => {
    for (const vector of TEST_VECTORS) {
      for (const { now } of expectedDecisions(vector)) expect(Number.isSafeInteger(now)).toBe(true);
    }
  });

  it('produces integer decisions with both outcomes in every algorithm', () => {
    for (const algorithm of ALGORITHMS) {
      const outcomes = TEST_VECTORS.filter((v) => v.algorithm === algorithm).flatMap((v) => expectedDecisions(v).map((s) => s.decision));
      expect(outcomes.some((d) => d.allowed)).toBe(true);
      expect(outcomes.some((d) => !d.allowed)).toBe(true);
      for (const d of outcomes) {
        for (const value of [d.remaining, d.resetUs, d.retryAfterUs]) {
          expect(Number.isSafeInteger(value)).toBe(true);
          expect(Object.is(value, -0)).toBe(false);
        }
      }
    }
  });

  it('replays deterministically', () => {
    const walk = (): unknown => randomWalkVector({ algorithm: 'gcra', seed: 7, steps: 50, params: { limit: 5, windowUs: 10_000, burst: 3 } });
    expect(walk()).toEqual(walk());
    for (const vector of TEST_VECTORS) expect(expectedDecisions(vector)).toEqual(expectedDecisions(vector));
  });

  it('steps the clock backwards somewhere in every algorithm', () => {
    for (const algorithm of ALGORITHMS) {
      expect(TEST_VECTORS.some((v) => v.algorithm === algorithm && v.steps.some((s) => s.advanceUs < 0))).toBe(true);
    }
  });
});
