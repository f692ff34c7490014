import type { Policy } from '@rl/contracts';
import { PolicyState } from './policy-state';

const plain: Policy = { id: 'free', match: { customerTier: 'free' }, algorithm: 'gcra', limit: 5, windowSeconds: 1, burst: 5, scope: 'regional', failureMode: 'open', mode: 'enforce', version: 1 };
const rule = (id: string, domain: string, key: string): Policy => ({
  ...plain,
  id,
  algorithm: 'fixed_window',
  match: { envoy: { domain, descriptors: [{ key }] } },
  envoy: { position: 0, rateLimit: 'limited', unit: 'second', replaces: [], shareThreshold: false, quotaMode: false, detailedMetric: false, valueToMetric: false },
});

describe('PolicyState', () => {
  it("replaces exactly one domain's imported rules in one revision", () => {
    const kept = rule('envoy-other-1', 'other', 'a');
    const state = PolicyState.fromSnapshot({ revision: 4, policies: [plain, rule('envoy-edge-1', 'edge', 'a'), rule('envoy-edge-2', 'edge', 'b'), kept], overrides: [], customers: {} });
    state.apply({ kind: 'envoy.domain.replaced', domain: 'edge', policies: [rule('envoy-edge-2', 'edge', 'b'), rule('envoy-edge-3', 'edge', 'c')] }, 5);
    const snapshot = state.toActivePolicies();
    expect(snapshot.revision).toBe('5');
    expect(snapshot.policies.map((p) => p.id).sort()).toEqual(['envoy-edge-2', 'envoy-edge-3', 'envoy-other-1', 'free']);
    expect(snapshot.policies.find((p) => p.id === 'envoy-other-1')).toBe(kept);

    state.apply({ kind: 'envoy.domain.replaced', domain: 'edge', policies: [] }, 6);
    expect(state.toActivePolicies().policies.map((p) => p.id).sort()).toEqual(['envoy-other-1', 'free']);
  });
});
