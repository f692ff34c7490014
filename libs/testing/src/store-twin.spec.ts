import { ALGORITHMS, buildCounterKey, buildGlobalCounterKey, LocalLimiter, ManualClock, type StoreRequest } from '@rl/limiter-core';
import { StoreTwin } from './store-twin';

const T0 = 1_700_000_040_000_000;

describe('StoreTwin', () => {
  it('decides like LocalLimiter, request after request, at one instant', () => {
    const twin = new StoreTwin();
    const limiter = new LocalLimiter({ clock: new ManualClock(T0) });
    const requests = ALGORITHMS.flatMap((algorithm) =>
      [1, 2, 3, 0].map((cost): StoreRequest => ({ key: buildCounterKey({ policyId: 'p', identity: 'u', algorithm }), algorithm, limit: 4, windowUs: 60_000_000, burst: 4, cost, dryRun: cost === 0 })),
    );
    const outcomes = twin.decideBatch({ requests, now: T0, jitterMs: () => 0 });
    expect(outcomes.map((o) => o.decision)).toEqual(requests.map((r) => (r.algorithm === 'global_window' || r.algorithm === 'stacked' ? undefined : limiter.decideSync(r))));
  });

  it('writes nothing for a dry run, answers unadmissible costs without a state, and expires states on its clock', () => {
    const twin = new StoreTwin();
    const key = buildCounterKey({ policyId: 'p', identity: 'u', algorithm: 'fixed_window' });
    const request: StoreRequest = { key, algorithm: 'fixed_window', limit: 2, windowUs: 1_000_000, burst: 2, cost: 2 };
    const [dry, refused, real] = twin.decideBatch({ requests: [{ ...request, dryRun: true }, { ...request, cost: 3 }, request], now: T0, jitterMs: (i) => 10 * i });
    expect(dry).toEqual({ decision: { allowed: true, remaining: 0, resetUs: 1_000_000, retryAfterUs: 0 }, expiryMs: undefined, writes: [] });
    expect(refused.decision.reason).toBe('cost_exceeds_limit');
    expect(real).toEqual({ decision: { allowed: true, remaining: 0, resetUs: 1_000_000, retryAfterUs: 0 }, expiryMs: 1_000 + 20, writes: [{ key, expiryMs: 1_020 }] });
    expect(twin.expire(T0 + 1_020_999)).toEqual([]);
    expect(twin.expire(T0 + 1_021_000)).toEqual([key]);
  });

  it('decides global_window requests with globalWindowStep', () => {
    const twin = new StoreTwin();
    const key = buildGlobalCounterKey({ policyId: 'p', identity: 'u' });
    const request: StoreRequest = { algorithm: 'global_window', key, cap: 1, cost: 1, windowMs: 60_000, expectedStartMs: T0 / 1000 };
    const [first, second] = twin.decideBatch({ requests: [request, request], now: T0, jitterMs: () => 0 });
    expect(first.decision).toMatchObject({ allowed: true, count: 1, matched: true });
    expect(second.decision).toMatchObject({ allowed: false, count: 1, matched: true });
  });
});
