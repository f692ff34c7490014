import { emptyOverrideForm, formToOverrideBody, overrideToForm } from './override-form';
import type { Override } from './types';

describe('override form', () => {
  const override: Override = {
    customer_id: 'acme',
    limit: 50,
    window: 3600,
    updatedAt: '2026-11-30T10:00:00.000Z',
    policy: {
      id: 'override-acme-822b33ad',
      match: { customerId: 'acme' },
      algorithm: 'gcra',
      limit: 50,
      windowSeconds: 3600,
      burst: 10,
      scope: 'global',
      failureMode: 'closed',
      mode: 'shadow',
      version: 3,
      escalation: { threshold: 0 },
    },
  };

  it('offers every field PUT /admin/limits accepts and round-trips an override', () => {
    expect(formToOverrideBody(overrideToForm(override))).toEqual({
      customer_id: 'acme',
      limit: 50,
      window: 3600,
      algorithm: 'gcra',
      burst: 10,
      scope: 'global',
      failureMode: 'closed',
      mode: 'shadow',
      escalation: { threshold: 0 },
    });
  });

  it('sends a duration as typed and leaves empty optional fields out', () => {
    const body = formToOverrideBody({ ...emptyOverrideForm('globex'), limit: '5', window: '1h' });
    expect(body).toEqual({ customer_id: 'globex', limit: 5, window: '1h', algorithm: 'token_bucket', scope: 'regional', failureMode: 'open', mode: 'enforce' });
  });
});
