import type { Policy, PolicyMatch } from '@rl/contracts';
import { CompiledPolicyCache, PolicyIndex, type PolicyQuery } from './policy-index';
import type { ActivePolicies } from './policy-source';

function policy(id: string, match: PolicyMatch): Policy {
  return { id, match, algorithm: 'token_bucket', limit: 10, windowSeconds: 60, burst: 10, scope: 'regional', failureMode: 'open', mode: 'enforce', version: 1 };
}

const snapshot: ActivePolicies = {
  revision: 'r1',
  overrides: [policy('acme-override', { customerId: 'acme' })],
  policies: [
    policy('free', { customerTier: 'free' }),
    policy('free-search', { customerTier: 'free', route: '/v1/search' }),
    policy('free-search-post', { customerTier: 'free', route: '/v1/search', method: 'POST' }),
    policy('free-v1', { customerTier: 'free', route: '/v1/*' }),
    policy('free-v1-get', { customerTier: 'free', route: '/v1/*', method: 'GET' }),
    policy('free-deep', { customerTier: 'free', route: '/v1/**' }),
    policy('free-users-orders', { customerTier: 'free', route: '/v1/users/*/orders' }),
    policy('free-delete', { customerTier: 'free', method: 'DELETE' }),
    policy('pro', { customerTier: 'pro' }),
    policy('login', { route: '/login', method: 'POST' }),
    policy('beta', { customerId: 'beta' }),
    policy('beta-export', { customerId: 'beta', route: '/v1/export' }),
    policy('gamma-export', { customerId: 'gamma', route: '/v1/export' }),
    // An imported envoy rule names no request field: it must never become a catch-all.
    {
      ...policy('envoy-edge-rule', { envoy: { domain: 'edge', descriptors: [{ key: 'remote_address' }] } }),
      algorithm: 'fixed_window',
      envoy: { position: 0, rateLimit: 'limited', unit: 'minute', replaces: [], shareThreshold: false, quotaMode: false, detailedMetric: false, valueToMetric: false },
    },
  ],
  customerTiers: new Map([
    ['acme', 'free'],
    ['beta', 'free'],
    ['gamma', 'pro'],
    ['zed', 'free'],
    ['pat', 'pro'],
  ]),
};

const index = PolicyIndex.build({ snapshot, localPercent: 50 });

function resolve(query: Partial<PolicyQuery>): string | undefined {
  return index.resolve({ customerId: undefined, route: undefined, method: undefined, ...query })?.ref.id;
}

describe('PolicyIndex', () => {
  it.each<[string, Partial<PolicyQuery>, string | undefined]>([
    ['an override beats everything, even a customer policy', { customerId: 'acme', route: '/v1/search' }, 'acme-override'],
    ['a customer route policy beats the customer-wide one', { customerId: 'beta', route: '/v1/export' }, 'beta-export'],
    ['a customer-wide policy beats tier route policies', { customerId: 'beta', route: '/v1/search' }, 'beta'],
    ['a customer without a customer-wide policy falls through to its tier', { customerId: 'gamma', route: '/v1/other' }, 'pro'],
    ['exact route with method beats exact route', { customerId: 'zed', route: '/v1/search', method: 'POST' }, 'free-search-post'],
    ['exact route for any method', { customerId: 'zed', route: '/v1/search', method: 'GET' }, 'free-search'],
    ['method-specific glob beats an equally specific any-method glob', { customerId: 'zed', route: '/v1/items', method: 'GET' }, 'free-v1-get'],
    ['any-method glob', { customerId: 'zed', route: '/v1/items', method: 'PUT' }, 'free-v1'],
    ['the more literal glob wins', { customerId: 'zed', route: '/v1/users/7/orders' }, 'free-users-orders'],
    ['** spans segments', { customerId: 'zed', route: '/v1/a/b/c' }, 'free-deep'],
    ['a method-only policy', { customerId: 'zed', route: '/other', method: 'DELETE' }, 'free-delete'],
    ['a tier-wide policy when no route policy matches', { customerId: 'zed', route: '/other', method: 'GET' }, 'free'],
    ['a tier-wide policy without route', { customerId: 'zed' }, 'free'],
    ['tier route policies beat tier-less ones, which beat the tier-wide one', { customerId: 'pat', route: '/login', method: 'POST' }, 'login'],
    ['tier-less route policies apply without a customer', { route: '/login', method: 'POST' }, 'login'],
    ['no customer, no match', { route: '/v1/search' }, undefined],
    ['an unknown customer has no tier', { customerId: 'nobody', route: '/v1/search' }, undefined],
  ])('%s', (_name, query, expected) => {
    expect(resolve(query)).toBe(expected);
  });

  it('compiles each policy with its headers and local quota once', () => {
    const first = index.resolve({ customerId: 'zed', route: undefined, method: undefined });
    const again = index.resolve({ customerId: 'zed', route: undefined, method: undefined });
    expect(again).toBe(first);
    expect(first).toMatchObject({
      ref: { id: 'free', version: 1 },
      counterId: 'free',
      windowUs: 60_000_000,
      quota: { limit: 10, burst: 10, limitHeader: '10', policyHeader: '"free";q=10;w=60' },
      localQuota: { limit: 5, burst: 5, limitHeader: '5', policyHeader: '"free";q=5;w=60' },
      rateLimitPrefix: '"free";r=',
    });
  });

  it('resolves each of 10,000 customers to its own policy', () => {
    const many: Policy[] = [];
    const tiers = new Map<string, string>();
    for (let i = 0; i < 10_000; i++) {
      many.push(policy(`c-${i}`, { customerId: `cust-${i}` }));
      tiers.set(`cust-${i}`, 'free');
    }
    const big = PolicyIndex.build({ snapshot: { revision: 'big', overrides: [], policies: many, customerTiers: tiers }, localPercent: 50 });
    const wrong: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      if (big.resolve({ customerId: `cust-${i}`, route: '/x', method: 'GET' })?.ref.id !== `c-${i}`) wrong.push(`cust-${i}`);
    }
    expect(wrong).toEqual([]);
  });

  it('rebuilds only what changed when given the cache and the previous index', () => {
    const cache = new CompiledPolicyCache(50);
    const first = PolicyIndex.build({ snapshot, localPercent: 50, cache });
    const raised = { ...snapshot.policies[1], limit: 99 }; // free-search
    const changed: ActivePolicies = { ...snapshot, revision: 'r2', policies: snapshot.policies.map((p, i) => (i === 1 ? raised : p)) };
    const second = PolicyIndex.build({ snapshot: changed, localPercent: 50, cache, previous: first });
    const query = (q: Partial<PolicyQuery>): PolicyQuery => ({ customerId: undefined, route: undefined, method: undefined, ...q });

    expect(second.revision).toBe('r2');
    expect(second.resolve(query({ customerId: 'zed', route: '/v1/search', method: 'GET' }))?.quota.limit).toBe(99);
    // Untouched policies and scopes are the same compiled objects, in the changed tier and elsewhere.
    for (const q of [{ customerId: 'zed' }, { customerId: 'zed', route: '/v1/items', method: 'GET' }, { customerId: 'pat' }, { customerId: 'beta' }, { route: '/login', method: 'POST' }]) {
      expect(second.resolve(query(q))).toBe(first.resolve(query(q)));
    }
    // Every query resolves as a fresh build would.
    const fresh = PolicyIndex.build({ snapshot: changed, localPercent: 50 });
    for (const customerId of [undefined, 'acme', 'beta', 'gamma', 'zed', 'pat', 'nobody']) {
      for (const route of [undefined, '/v1/search', '/v1/items', '/v1/a/b', '/login', '/v1/export']) {
        for (const method of [undefined, 'GET', 'POST', 'DELETE']) {
          expect(second.resolve({ customerId, route, method })?.ref.id).toBe(fresh.resolve({ customerId, route, method })?.ref.id);
        }
      }
    }
  });
});
