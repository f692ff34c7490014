import { validatePolicySnapshot } from './validate-policy-snapshot';

const policy = (id: string, match: Record<string, string>): Record<string, unknown> => ({ id, match, algorithm: 'token_bucket', limit: 10, windowSeconds: 60 });

describe('validatePolicySnapshot', () => {
  it('reads a snapshot, filling policy defaults and ignoring unknown fields', () => {
    const result = validatePolicySnapshot({
      revision: 12,
      generatedAt: '2026-01-01T00:00:00Z',
      policies: [{ ...policy('free', { customerTier: 'free' }), createdAt: 'x' }],
      overrides: [policy('acme-override', { customerId: 'acme' })],
      customers: { acme: { tier: 'free', since: 'x' } },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.revision).toBe(12);
    expect(result.value.policies[0]).toEqual({ ...policy('free', { customerTier: 'free' }), burst: 10, scope: 'regional', failureMode: 'open', mode: 'enforce', version: 1 });
    expect(result.value.overrides.map((p) => p.id)).toEqual(['acme-override']);
    expect({ ...result.value.customers }).toEqual({ acme: { tier: 'free' } });
  });

  it('accepts revision 0 with empty lists, and entries that only a cross-entry rule would refuse', () => {
    const result = validatePolicySnapshot({ revision: 0, policies: [policy('a', { customerTier: 'free' }), policy('b', { customerTier: 'free' })] });
    expect(result.ok && result.value.policies).toHaveLength(2);
  });

  it('keeps a customer named __proto__ as a plain key', () => {
    const result = validatePolicySnapshot(JSON.parse('{"revision":1,"policies":[],"customers":{"__proto__":{"tier":"free"}}}'));
    expect(result.ok && Object.keys(result.value.customers)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).tier).toBeUndefined();
  });

  it('names every bad field', () => {
    expect(
      validatePolicySnapshot({
        revision: -1,
        policies: [policy('a', { customerTier: 'free' }), { ...policy('b', { customerTier: 'free' }), limit: 0 }],
        overrides: [policy('o', { customerTier: 'free' })],
        customers: { acme: { tier: '' }, beta: 'pro' },
      }),
    ).toEqual({
      ok: false,
      errors: [
        { path: 'revision', message: 'must be an integer from 0 to 9007199254740991' },
        { path: 'policies[1].limit', message: 'must be an integer from 1 to 1000000000' },
        { path: 'customers.acme.tier', message: 'must be a tier name of 1 to 64 characters from [A-Za-z0-9_.-]' },
        { path: 'customers.beta', message: 'must be an object' },
        { path: 'overrides[0].match.customerId', message: 'is required' },
      ],
    });
    expect(validatePolicySnapshot({ revision: 1 })).toEqual({ ok: false, errors: [{ path: 'policies', message: 'is required' }] });
    expect(validatePolicySnapshot(null)).toEqual({ ok: false, errors: [{ path: '', message: 'must be an object' }] });
  });
});
