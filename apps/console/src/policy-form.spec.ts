import { ApiError } from './api';
import { formErrors } from './field-errors';
import { emptyLimitForm, emptyPolicyForm, formToPolicyBody, numberOrText, policyFormPaths, policyToForm } from './policy-form';
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

  const limits = [
    { name: 'burst', limit: 10, windowSeconds: 1, algorithm: 'gcra' as const, burst: 20 },
    { name: 'minute', limit: 100, windowSeconds: 60, algorithm: 'gcra' as const, burst: 100 },
    { name: 'month', limit: 1_000, window: 'calendar-month' as const, timeZone: 'Europe/Berlin', algorithm: 'fixed_window' as const, burst: 1_000, scope: 'global' as const },
  ];
  const stacked: Policy = { ...policy, scope: 'regional', limit: 10, windowSeconds: 1, burst: 20, limits };

  it("round-trips a stacked policy's limits, leaving the policy's own limit, window and burst to the API", () => {
    const body = formToPolicyBody({ ...policyToForm(stacked), mode: 'enforce' }, { includeId: false });
    expect(body).toEqual({
      match: { customerTier: 'free', route: '/v1/search/**' },
      algorithm: 'gcra',
      limits: [
        { name: 'burst', limit: 10, windowSeconds: 1, algorithm: 'gcra', burst: 20 },
        // burst = limit is the API's default; a calendar window is always fixed_window.
        { name: 'minute', limit: 100, windowSeconds: 60, algorithm: 'gcra' },
        // A limit's own scope is kept; without one it takes the policy's.
        { name: 'month', limit: 1_000, window: 'calendar-month', timeZone: 'Europe/Berlin', scope: 'global' },
      ],
      scope: 'regional',
      failureMode: 'closed',
      mode: 'enforce',
    });
    expect(formToPolicyBody(policyToForm(policy), { includeId: false })).not.toHaveProperty('limits');
  });

  it('edits, adds and removes stacked limits; removing the last one sends a policy of one limit again', () => {
    const form = policyToForm(stacked);
    const edited = {
      ...form,
      limits: [
        { ...form.limits[0], limit: '15', burst: '', scope: 'global' as const },
        { ...form.limits[2], window: 'calendar-day' as const, timeZone: ' America/New_York ', scope: '' as const },
        { ...emptyLimitForm(), name: 'hour', limit: 'lots', windowSeconds: '3600', algorithm: 'sliding_window' as const },
      ],
    };
    expect(formToPolicyBody(edited, { includeId: false }).limits).toEqual([
      { name: 'burst', limit: 15, windowSeconds: 1, algorithm: 'gcra', scope: 'global' },
      { name: 'month', limit: 1_000, window: 'calendar-day', timeZone: 'America/New_York' },
      // Not a number: sent as typed, so the API names limits[2].limit.
      { name: 'hour', limit: 'lots', windowSeconds: 3600, algorithm: 'sliding_window' },
    ]);
    const single = formToPolicyBody({ ...form, limits: [] }, { includeId: false });
    expect(single).not.toHaveProperty('limits');
    expect(single).toMatchObject({ limit: 10, windowSeconds: 1, burst: 20 });
  });

  it('sends no stacked limits for a concurrency policy', () => {
    expect(formToPolicyBody({ ...policyToForm(stacked), algorithm: 'concurrency', leaseSeconds: '30' }, { includeId: false })).toEqual(expect.not.objectContaining({ limits: expect.anything() }));
  });

  it("shows the API's field errors under the right limit's field", () => {
    const form = { ...emptyPolicyForm(), limits: [emptyLimitForm(), emptyLimitForm()] };
    const error = new ApiError(422, 'validation_failed', 'invalid policy', [
      { path: 'limits[1].limit', message: 'must be an integer from 1 to 1000000000' },
      { path: 'limits[0].timeZone', message: 'is only for a calendar window' },
      { path: 'limits[1].colour', message: 'is not a known field' },
      { path: 'limits', message: 'must hold 1 to 8 limits' },
      { path: 'limits[2].name', message: 'is required' },
      { path: 'windowSeconds', message: 'must be 60 (that of limits "minute", the shortest window) or be omitted' },
    ]);
    expect(formErrors(error, policyFormPaths(form))).toEqual({
      byPath: {
        'limits[1].limit': 'must be an integer from 1 to 1000000000',
        'limits[0].timeZone': 'is only for a calendar window',
        'limits[1]': 'colour is not a known field',
        limits: 'must hold 1 to 8 limits',
      },
      // The policy's own window has no field while it has stacked limits.
      general: ['windowSeconds must be 60 (that of limits "minute", the shortest window) or be omitted'],
    });
    expect(formErrors(error, policyFormPaths({ ...form, algorithm: 'concurrency' })).byPath).not.toHaveProperty('limits[1].limit');
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
