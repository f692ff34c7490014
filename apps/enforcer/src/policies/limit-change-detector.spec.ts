import type { Block, Policy } from '@rl/contracts';
import { LimitChangeDetector } from './limit-change-detector';
import type { ActivePolicies } from './policy-source';

const policy: Policy = { id: 'free', match: { customerTier: 'free' }, algorithm: 'token_bucket', limit: 10, windowSeconds: 60, burst: 10, scope: 'regional', failureMode: 'open', mode: 'enforce', version: 1 };
const block = { id: 'b1', kind: 'key', value: 'user:1', reason: 'abuse', source: 'automatic', createdAt: '2026-11-30T00:00:00Z', expiresAt: '2026-11-30T01:00:00Z' } as unknown as Block;

const snapshot = (over: Partial<ActivePolicies> = {}): ActivePolicies => ({
  revision: 'r1',
  policies: [policy],
  overrides: [],
  customerTiers: new Map([
    ['acme', 'free'],
    ['zeta', 'pro'],
  ]),
  ...over,
});

describe('LimitChangeDetector', () => {
  it('reports the first snapshot, then only changes to policies, overrides or tiers', () => {
    const detector = new LimitChangeDetector();
    expect(detector.changed(snapshot())).toBe(true);
    expect(detector.changed(snapshot({ revision: 'r2', blocks: [block] }))).toBe(false);
    expect(detector.changed(snapshot({ revision: 'r3', blocks: [] }))).toBe(false);
    expect(detector.changed(snapshot({ customerTiers: new Map([['zeta', 'pro'], ['acme', 'free']]) }))).toBe(false);
    expect(detector.changed(snapshot({ policies: [{ ...policy, limit: 20, version: 2 }] }))).toBe(true);
    expect(detector.changed(snapshot({ policies: [{ ...policy, limit: 20, version: 2 }], overrides: [{ ...policy, id: 'acme-override', match: { customerId: 'acme' } }] }))).toBe(true);
    expect(detector.changed(snapshot({ policies: [{ ...policy, limit: 20, version: 2 }], overrides: [{ ...policy, id: 'acme-override', match: { customerId: 'acme' } }], customerTiers: new Map([['acme', 'pro']]) }))).toBe(true);
  });
});
