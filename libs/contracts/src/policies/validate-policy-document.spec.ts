import { validatePolicyDocument } from './validate-policy-document';

const policy = (id: string, match: Record<string, string>): Record<string, unknown> => ({
  id,
  match,
  algorithm: 'fixed_window',
  limit: 10,
  windowSeconds: 1,
});

describe('validatePolicyDocument', () => {
  it('accepts policies, overrides and customer tiers', () => {
    const result = validatePolicyDocument({
      policies: [policy('free', { customerTier: 'free' }), policy('search', { customerTier: 'free', route: '/v1/search' })],
      overrides: [policy('acme-override', { customerId: 'acme' })],
      customers: { acme: { tier: 'free' } },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.policies.map((p) => p.id)).toEqual(['free', 'search']);
    expect(result.value.overrides.map((p) => p.id)).toEqual(['acme-override']);
    expect(result.value.customers).toEqual({ acme: { tier: 'free' } });
  });

  it('defaults overrides and customers to empty', () => {
    expect(validatePolicyDocument({ policies: [] })).toEqual({ ok: true, value: { policies: [], overrides: [], customers: {} } });
  });

  it('reports cross-entry problems with the path of the later entry', () => {
    const result = validatePolicyDocument({
      policies: [policy('a', { customerTier: 'free' }), policy('b', { customerTier: 'free' }), policy('a', { customerTier: 'pro' })],
      overrides: [policy('o1', { customerId: 'acme', route: '/x' }), policy('o2', { customerId: 'beta' }), policy('o3', { customerId: 'beta' })],
      customers: { acme: { tier: 'gold plated' }, beta: 'free' },
      extra: 1,
    });
    expect(result).toEqual({
      ok: false,
      errors: [
        { path: 'extra', message: 'is not a known field' },
        { path: 'customers.acme.tier', message: 'must be a tier name of 1 to 64 characters from [A-Za-z0-9_.-]' },
        { path: 'customers.beta', message: 'must be an object' },
        { path: 'policies[2].id', message: 'duplicates policies[0].id "a"' },
        { path: 'policies[1].match', message: 'matches the same requests as policies[0].match' },
        { path: 'overrides[0].match', message: 'an override must match exactly one customerId and nothing else' },
        { path: 'overrides[2].match.customerId', message: 'duplicates overrides[1].match.customerId "beta"' },
      ],
    });
  });

  it('names the missing policies list and bad entries', () => {
    expect(validatePolicyDocument({})).toEqual({ ok: false, errors: [{ path: 'policies', message: 'is required' }] });
    expect(validatePolicyDocument({ policies: [policy('a', { customerTier: 'free' }), 'nope'] })).toEqual({
      ok: false,
      errors: [{ path: 'policies[1]', message: 'must be an object' }],
    });
    expect(validatePolicyDocument('policies: []')).toEqual({ ok: false, errors: [{ path: '', message: 'must be an object' }] });
  });
});
