import { emptyPolicyForm, formToPolicyBody, numberOrText, policyToForm } from './policy-form';
import type { Policy } from './types';

describe('policy form', () => {
  const policy: Policy = {
    id: 'search',
    match: { customerTier: 'free', route: '/v1/search/**' },
    algorithm: 'gcra',
    limit: 100,
    windowSeconds: 60,
    burst: 100,
    scope: 'global',
    failureMode: 'closed',
    mode: 'shadow',
    version: 4,
  };

  it('round-trips a stored policy into the PUT body (no id, no version, burst = limit left out)', () => {
    expect(formToPolicyBody(policyToForm(policy), { includeId: false })).toEqual({
      match: { customerTier: 'free', route: '/v1/search/**' },
      algorithm: 'gcra',
      limit: 100,
      windowSeconds: 60,
      scope: 'global',
      failureMode: 'closed',
      mode: 'shadow',
    });
    expect(formToPolicyBody({ ...policyToForm(policy), burst: '150' }, { includeId: true })).toMatchObject({ id: 'search', burst: 150 });
  });

  it('round-trips a concurrency policy with its lease, and no window or burst', () => {
    const inFlight: Policy = { ...policy, id: 'in-flight', algorithm: 'concurrency', limit: 5, windowSeconds: 30, leaseSeconds: 30, burst: 5, scope: 'regional', mode: 'enforce' };
    expect(formToPolicyBody(policyToForm(inFlight), { includeId: true })).toEqual({
      id: 'in-flight',
      match: { customerTier: 'free', route: '/v1/search/**' },
      algorithm: 'concurrency',
      limit: 5,
      leaseSeconds: 30,
      scope: 'regional',
      failureMode: 'closed',
      mode: 'enforce',
    });
    expect(formToPolicyBody({ ...emptyPolicyForm(), algorithm: 'concurrency', limit: '2', customerId: 'acme' }, { includeId: false })).toMatchObject({ leaseSeconds: 60 });
  });

  it("keeps a stacked policy's limits, which the form does not edit", () => {
    const limits = [
      { name: 'burst', limit: 10, windowSeconds: 1, algorithm: 'gcra' as const, burst: 10 },
      { name: 'month', limit: 1_000, window: 'calendar-month' as const, timeZone: 'UTC', algorithm: 'fixed_window' as const, burst: 1_000 },
    ];
    const stacked: Policy = { ...policy, scope: 'regional', limit: 10, windowSeconds: 1, burst: 10, limits };
    expect(formToPolicyBody({ ...policyToForm(stacked), mode: 'enforce' }, { includeId: false })).toMatchObject({ limit: 10, windowSeconds: 1, mode: 'enforce', limits });
    expect(formToPolicyBody(policyToForm(policy), { includeId: false })).not.toHaveProperty('limits');
  });

  it('sends what the operator typed when it is not a number, and leaves empty fields out, so the API names them', () => {
    const body = formToPolicyBody({ ...emptyPolicyForm(), id: ' new ', limit: 'ten', windowSeconds: '', method: 'get' }, { includeId: true });
    expect(body).toEqual({
      id: 'new',
      match: { method: 'get' },
      algorithm: 'token_bucket',
      limit: 'ten',
      windowSeconds: undefined,
      scope: 'regional',
      failureMode: 'open',
      mode: 'enforce',
    });
    expect(JSON.parse(JSON.stringify(body))).not.toHaveProperty('windowSeconds');
  });

  it.each([
    ['100', 100],
    [' 0.5 ', 0.5],
    ['-3', -3],
    ['1e3', 1000],
    ['', undefined],
    ['1,000', '1,000'],
    ['12abc', '12abc'],
  ])('numberOrText(%p) = %p', (input, expected) => {
    expect(numberOrText(input)).toBe(expected);
  });

  it('carries automatic-block settings: the defaults (left out), off, or the numbers given', () => {
    expect(policyToForm(policy)).toMatchObject({ escalation: 'default' });
    expect(formToPolicyBody(policyToForm({ ...policy, escalation: { threshold: 0 } }), { includeId: false })).toMatchObject({ escalation: { threshold: 0 } });
    expect(policyToForm({ ...policy, escalation: { threshold: 0 } })).toMatchObject({ escalation: 'off' });
    const custom = policyToForm({ ...policy, escalation: { threshold: 2, blockSeconds: 900 } });
    expect(custom).toMatchObject({ escalation: 'custom', escalationThreshold: '2', escalationWindowSeconds: '', escalationBlockSeconds: '900' });
    expect(formToPolicyBody(custom, { includeId: false }).escalation).toEqual({ threshold: 2, blockSeconds: 900 });
    expect(formToPolicyBody({ ...custom, escalationWindowSeconds: 'an hour' }, { includeId: false }).escalation).toEqual({ threshold: 2, windowSeconds: 'an hour', blockSeconds: 900 });
    expect(formToPolicyBody({ ...custom, escalation: 'default' }, { includeId: false })).not.toHaveProperty('escalation');
  });
});
