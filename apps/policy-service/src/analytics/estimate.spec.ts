import fc from 'fast-check';
import { describeEstimate } from './estimate';

describe('describeEstimate', () => {
  it('calls a count from unsampled events exact, with no error', () => {
    expect(describeEstimate({ count: 12, events: 12, variance: 0 })).toEqual({ exact: true, sampledEvents: 12, sampleRate: 1, errorBound: 0 });
    expect(describeEstimate({ count: 0, events: 0, variance: 0 })).toEqual({ exact: true, sampledEvents: 0, sampleRate: null, errorBound: 0 });
  });

  it('states the sample rate and the 95% bound of a sampled count', () => {
    // 10 events kept at 10%: estimate 100, variance 10 x 10 x 9 = 900, sd 30, bound 1.96 x 30 = 58.8.
    expect(describeEstimate({ count: 100, events: 10, variance: 900 })).toEqual({ exact: false, sampledEvents: 10, sampleRate: 0.1, errorBound: 59 });
  });

  it('says the error is unknown when rows predate the statistics', () => {
    expect(describeEstimate({ count: 100, events: null, variance: 900 })).toEqual({ exact: false, sampledEvents: null, sampleRate: null, errorBound: null });
  });

  it('covers the true count about 95% of the time (Bernoulli sampling, simulated)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 200, max: 2_000 }), fc.constantFrom(0.05, 0.1, 0.25, 0.5), fc.integer(), (trueCount, rate, seed) => {
        let state = seed >>> 0;
        const random = (): number => {
          state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
          return state / 2 ** 32;
        };
        let covered = 0;
        const trials = 200;
        const w = 1 / rate;
        for (let t = 0; t < trials; t++) {
          let kept = 0;
          for (let i = 0; i < trueCount; i++) if (random() < rate) kept += 1;
          const estimate = describeEstimate({ count: kept * w, events: kept, variance: kept * w * (w - 1) });
          if (estimate.errorBound !== null && Math.abs(kept * w - trueCount) <= estimate.errorBound) covered += 1;
        }
        // 95% nominal; the normal approximation and 200 trials leave some slack.
        return covered / trials >= 0.88;
      }),
      { numRuns: 20 },
    );
  });
});
