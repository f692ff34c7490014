import { groupEnvoyPolicies } from './envoy-rules';
import type { EnvoyRule, Policy } from './types';

const base = { algorithm: 'fixed_window', burst: 0, scope: 'regional', failureMode: 'open', mode: 'enforce', version: 1 } as const;

function rule(input: { id: string; domain: string; path: { key: string; value?: string }[]; envoy: Partial<EnvoyRule> & { position: number }; fields?: Partial<Policy> }): Policy {
  return {
    ...base,
    id: input.id,
    match: { envoy: { domain: input.domain, descriptors: input.path } },
    limit: 0,
    windowSeconds: 0,
    ...input.fields,
    envoy: { rateLimit: 'none', replaces: [], shareThreshold: false, quotaMode: false, detailedMetric: false, valueToMetric: false, ...input.envoy },
  };
}

describe('groupEnvoyPolicies', () => {
  it('keeps ordinary policies apart and lists each domain in file order, with rates and flags', () => {
    const plain: Policy = { ...base, id: 'free', match: { customerTier: 'free' }, limit: 10, windowSeconds: 60 };
    const { ordinary, domains } = groupEnvoyPolicies([
      rule({ id: 'c', domain: 'edge', path: [{ key: 'plan', value: 'gold' }, { key: 'api_key' }], envoy: { position: 1, rateLimit: 'limited', unit: 'hour', name: 'gold' }, fields: { limit: 3, windowSeconds: 3600 } }),
      plain,
      rule({ id: 'b', domain: 'edge', path: [{ key: 'plan', value: 'gold' }], envoy: { position: 0 } }),
      rule({
        id: 'a',
        domain: 'api',
        path: [{ key: 'path', value: '/files/*' }],
        envoy: { position: 0, rateLimit: 'limited', unit: 'minute', replaces: ['x'], shareThreshold: true },
        fields: { windowSeconds: 60, mode: 'shadow', algorithm: 'sliding_window' },
      }),
      rule({ id: 'd', domain: 'edge', path: [{ key: 'ldap' }], envoy: { position: 2, rateLimit: 'unlimited' } }),
    ]);
    expect(ordinary).toEqual([plain]);
    expect(domains.map((d) => d.domain)).toEqual(['api', 'edge']);
    expect(domains[1].rules.map((r) => [r.policy.id, r.depth, r.entry, r.path, r.rate, r.flags])).toEqual([
      ['b', 0, 'plan=gold', 'plan=gold', 'no rate_limit', []],
      ['c', 1, 'api_key', 'plan=gold › api_key', '3 / hour', ['name gold']],
      ['d', 0, 'ldap', 'ldap', 'unlimited', []],
    ]);
    expect(domains[0].rules[0]).toMatchObject({ rate: '0 / minute (denies all)', flags: ['shadow', 'replaces x', 'share_threshold', 'sliding_window'] });
  });
});
