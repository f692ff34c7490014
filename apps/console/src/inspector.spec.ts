import { ApiError } from './api';
import { matchedReason, noneWhenNotFound, recentDecisions, regionRows } from './inspector';
import { counts } from './testing/analytics-counts';
import type { AnalyticsCounts, CounterState, TimePoint } from './types';

const point = (minute: string, region: string, c: Partial<AnalyticsCounts>): TimePoint => ({ minute, region, policyId: 'gold', ...counts(c) });

describe('caller inspector', () => {
  it('says why each rule selected the policy', () => {
    expect(matchedReason('override', { customerId: 'acme' })).toBe('customer acme has an override (PUT /admin/limits), which comes before every other policy');
    expect(matchedReason('tier-route', { customerId: 'acme', route: '/v1/search', method: 'GET' })).toBe(
      "a policy matches the route and method (GET /v1/search), for customer acme's tier or for every tier",
    );
    expect(matchedReason('tier', {})).toBe("the customer's tier has a policy, and nothing more specific matches");
    expect(matchedReason('tier', { customerId: 'acme', tier: 'gold' })).toBe("customer acme's tier (gold) has a policy, and nothing more specific matches");
    expect(matchedReason('default', {})).toBe("no stored policy matches, so the enforcers' default policy applies");
    expect(matchedReason(undefined, {})).toBe('the enforcer did not say');
  });

  it('reads a 404 as "none" and lets every other error through', () => {
    expect(noneWhenNotFound(new ApiError(404, 'not_found', 'no customer acme'))).toBeUndefined();
    expect(() => noneWhenNotFound(new ApiError(502, 'bad_gateway', 'down'))).toThrow('down');
  });

  it('lists regions in name order, an unreachable one with its reason', () => {
    const state = { region: 'us-east', used: 2 } as CounterState;
    expect(regionRows({ key: 'k', policyId: 'gold', customerId: undefined, regions: { 'us-east': state, 'eu-west': { unreachable: true, reason: 'connection refused' } } })).toEqual([
      { region: 'eu-west', unreachable: 'connection refused' },
      { region: 'us-east', state },
    ]);
  });

  it('shows the minutes with decisions, newest first, with what was throttled', () => {
    const rows = recentDecisions(
      {
        from: '2026-12-03T10:00:00.000Z',
        to: '2026-12-03T10:05:00.000Z',
        stepSeconds: 60,
        points: [
          point('2026-12-03T10:01:00.000Z', 'us-east', { allowed: 3 }),
          point('2026-12-03T10:02:00.000Z', 'us-east', { allowed: 0 }),
          point('2026-12-03T10:03:00.000Z', 'us-east', { denied: 2, blocked: 1 }),
          point('2026-12-03T10:03:00.000Z', 'eu-west', { allowed: 1, shadowDenied: 1 }),
        ],
      },
      2,
    );
    expect(rows.map((r) => [r.minute.slice(11, 16), r.region, r.throttled])).toEqual([
      ['10:03', 'eu-west', 1],
      ['10:03', 'us-east', 3],
    ]);
  });
});
