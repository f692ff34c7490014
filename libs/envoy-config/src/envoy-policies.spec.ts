import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validatePolicy } from '@rl/contracts';
import { envoyPolicies, envoyRuleId } from './envoy-policies';
import { parseEnvoyConfig } from './parse-envoy-config';

const fixture = (fileName: string): { fileName: string; text: string } => ({ fileName, text: readFileSync(join(__dirname, 'fixtures', fileName), 'utf8') });


describe('envoyPolicies', () => {
  const policies = envoyPolicies(parseEnvoyConfig(fixture('edge.yaml')));

  it('makes one valid policy per descriptor, depth first in file order', () => {
    expect(policies).toHaveLength(18);
    expect(policies.map((p) => p.envoy?.position)).toEqual([...policies.keys()]);
    for (const policy of policies) expect(validatePolicy(policy)).toEqual({ ok: true, value: policy });
    expect(new Set(policies.map((p) => p.id)).size).toBe(policies.length);
  });

  it('maps each kind of descriptor', () => {
    const byPath = (...entries: [string, string?][]) =>
      policies.find((p) => JSON.stringify(p.match.envoy?.descriptors) === JSON.stringify(entries.map(([key, value]) => (value === undefined ? { key } : { key, value }))));
    expect(byPath(['remote_address'])).toMatchObject({ algorithm: 'fixed_window', limit: 4, windowSeconds: 60, burst: 4, mode: 'enforce', envoy: { rateLimit: 'limited', unit: 'minute' } });
    expect(byPath(['remote_address', '10.0.0.66'])).toMatchObject({ limit: 0, windowSeconds: 60, burst: 0 });
    expect(byPath(['remote_address', '10.0.0.1'])).toMatchObject({ limit: 0, windowSeconds: 0, envoy: { rateLimit: 'none' } });
    expect(byPath(['plan', 'gold'])).toMatchObject({ envoy: { rateLimit: 'none' } });
    expect(byPath(['plan', 'gold'], ['api_key'])).toMatchObject({ limit: 3, windowSeconds: 3600, envoy: { name: 'gold_api_key' } });
    expect(byPath(['plan', 'gold'], ['api_key', 'trusted'])).toMatchObject({ limit: 0, windowSeconds: 0, envoy: { rateLimit: 'unlimited' } });
    expect(byPath(['plan', 'promo'], ['api_key'])).toMatchObject({ envoy: { replaces: ['gold_api_key'] } });
    expect(byPath(['path', '/files/*'])).toMatchObject({ envoy: { shareThreshold: true } });
    expect(byPath(['tenant'])).toMatchObject({ mode: 'shadow', limit: 2, windowSeconds: 86_400 });
    expect(byPath(['report', 'yearly'], ['user'])).toMatchObject({ windowSeconds: 31_536_000, envoy: { unit: 'year' } });
    expect(byPath(['search'])).toMatchObject({ algorithm: 'sliding_window', failureMode: 'closed', limit: 3, burst: 3 });
  });

  it('names a rule by its domain and path alone', () => {
    expect(envoyRuleId('edge', [{ key: 'remote_address' }])).toMatch(/^envoy-edge-[0-9a-f]{16}$/);
    expect(envoyRuleId('edge', [{ key: 'remote_address' }])).toBe(policies[0].id);
    expect(envoyRuleId('Edge.Proxy_Per IP', [{ key: 'a' }])).toMatch(/^envoy-edge-proxy-per-ip-[0-9a-f]{16}$/);
    expect(envoyRuleId('***', [{ key: 'a' }])).toMatch(/^envoy-[0-9a-f]{16}$/);
    expect(envoyRuleId('x'.repeat(255), [{ key: 'a' }])).toMatch(/^envoy-x{40}-[0-9a-f]{16}$/);
    expect(envoyRuleId('edge', [{ key: 'a', value: 'b' }])).not.toBe(envoyRuleId('edge', [{ key: 'a_b' }]));
  });
});
