import { escalationToForm, formToEscalation, numberOrText, type EscalationFormState } from './policy-form';
import type { Algorithm, FailureMode, Mode, Override, Scope } from './types';

/** The override form (PUT /admin/limits): every field the API accepts, as typed. */
export interface OverrideFormState extends EscalationFormState {
  customer_id: string;
  limit: string;
  window: string;
  algorithm: Algorithm;
  burst: string;
  scope: Scope;
  failureMode: FailureMode;
  mode: Mode;
}

export const OVERRIDE_FORM_PATHS = [
  'customer_id',
  'limit',
  'window',
  'algorithm',
  'burst',
  'scope',
  'failureMode',
  'mode',
  'escalation',
  'escalation.threshold',
  'escalation.windowSeconds',
  'escalation.blockSeconds',
] as const;

export function emptyOverrideForm(customerId = ''): OverrideFormState {
  return {
    customer_id: customerId,
    limit: '',
    window: '1m',
    algorithm: 'token_bucket',
    burst: '',
    scope: 'regional',
    failureMode: 'open',
    mode: 'enforce',
    ...escalationToForm(undefined),
  };
}

export function overrideToForm(override: Override): OverrideFormState {
  const { policy } = override;
  return {
    customer_id: override.customer_id,
    limit: String(override.limit),
    window: String(override.window),
    // PUT /admin/limits takes rate algorithms only: an override is never a concurrency policy.
    algorithm: policy.algorithm === 'concurrency' ? 'token_bucket' : policy.algorithm,
    burst: policy.burst === undefined || policy.burst === policy.limit ? '' : String(policy.burst),
    scope: policy.scope ?? 'regional',
    failureMode: policy.failureMode ?? 'open',
    mode: policy.mode ?? 'enforce',
    ...escalationToForm(policy.escalation),
  };
}

/** The body of PUT /admin/limits; empty optional inputs are left out, anything typed is sent for the API to judge. */
export function formToOverrideBody(form: OverrideFormState): Record<string, unknown> {
  const body: Record<string, unknown> = {
    customer_id: form.customer_id === '' ? undefined : form.customer_id,
    limit: numberOrText(form.limit),
    window: numberOrText(form.window),
    algorithm: form.algorithm,
    scope: form.scope,
    failureMode: form.failureMode,
    mode: form.mode,
  };
  if (form.burst.trim() !== '') body.burst = numberOrText(form.burst);
  const escalation = formToEscalation(form);
  if (escalation !== undefined) body.escalation = escalation;
  return body;
}
