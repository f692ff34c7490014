import fc from 'fast-check';
import { ManualClock } from './clock';
import { LocalLimiter, unadmissible, type LimitRequest } from './limiter';
import { ALGORITHMS, type AlgorithmName } from './types';

const request = (algorithm: AlgorithmName, fields: Partial<LimitRequest> = {}): LimitRequest => ({
  key: `k:${algorithm}`,
  algorithm,
  limit: 5,
  windowUs: 60_000_000,
  burst: 5,
  cost: 1,
  ...fields,
});

describe('unadmissible', () => {
  it.each(ALGORITHMS.map((a) => [a] as const))('%s: a cost above what the limit can ever admit is final, with a reason and no retry time', (algorithm) => {
    expect(unadmissible(request(algorithm, { cost: 5 }))).toBeUndefined();
    expect(unadmissible(request(algorithm, { cost: 6 }))).toEqual({ allowed: false, remaining: 0, resetUs: 0, retryAfterUs: 0, reason: 'cost_exceeds_limit' });
  });

  it('measures the buckets against their burst and the windows against their limit', () => {
    expect(unadmissible(request('token_bucket', { burst: 8, cost: 8 }))).toBeUndefined();
    expect(unadmissible(request('fixed_window', { burst: 8, cost: 8 }))?.reason).toBe('cost_exceeds_limit');
  });
});

describe('LocalLimiter dry runs', () => {
  it.each(ALGORITHMS.map((a) => [a] as const))('%s: a dry run decides exactly like the real request and leaves the counter as it was (fast-check)', (algorithm) => {
    const step = fc.record({ advanceUs: fc.integer({ min: 0, max: 30_000_000 }), cost: fc.integer({ min: 1, max: 5 }), dryRunFirst: fc.boolean() });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 30 }), (steps) => {
        const clock = new ManualClock(1_700_000_000_000_000);
        // Two limiters take the same real requests; only the first also sees dry runs and peeks.
        const withDryRuns = new LocalLimiter({ clock });
        const realOnly = new LocalLimiter({ clock });
        for (const { advanceUs, cost, dryRunFirst } of steps) {
          clock.advanceMicros(advanceUs);
          const asked = request(algorithm, { cost });
          const peek = withDryRuns.decideSync({ ...asked, cost: 0, dryRun: true });
          expect(peek).toMatchObject({ allowed: true, retryAfterUs: 0 });
          const real = realOnly.decideSync(asked);
          if (dryRunFirst) expect(withDryRuns.decideSync({ ...asked, dryRun: true })).toEqual(real);
          // Neither the peek nor the dry run left a trace: the real request decides the same.
          expect(withDryRuns.decideSync(asked)).toEqual(real);
          expect(withDryRuns.decideSync({ ...asked, cost: 0, dryRun: true })).toEqual(realOnly.decideSync({ ...asked, cost: 0, dryRun: true }));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('a peek after a sliding-log decision reports its remaining and reset, with no phantom entry', () => {
    const clock = new ManualClock(1_700_000_000_000_000);
    const limiter = new LocalLimiter({ clock });
    const real = limiter.decideSync(request('sliding_log', { cost: 2 }));
    clock.advanceMicros(1_000_000);
    const peek = limiter.decideSync(request('sliding_log', { cost: 0, dryRun: true }));
    expect(peek).toEqual({ allowed: true, remaining: real.remaining, resetUs: real.resetUs - 1_000_000, retryAfterUs: 0 });
    expect(limiter.decideSync(request('sliding_log', { cost: 0, dryRun: true }))).toEqual(peek);
  });
});
