import type { Algorithm, FailureMode, Mode, Policy, Scope } from './types';

/** A policy form's state: every input as the operator typed it. */
export interface PolicyFormState {
  id: string;
  customerTier: string;
  customerId: string;
  route: string;
  method: string;
  algorithm: Algorithm;
  limit: string;
  windowSeconds: string;
  burst: string;
  scope: Scope;
  failureMode: FailureMode;
  mode: Mode;
}

/** The API paths the policy form has a field for (for inline messages). */
export const POLICY_FORM_PATHS = [
  'id',
  'match',
  'match.customerTier',
  'match.customerId',
  'match.route',
  'match.method',
  'algorithm',
  'limit',
  'windowSeconds',
  'burst',
  'scope',
  'failureMode',
  'mode',
] as const;

export function emptyPolicyForm(): PolicyFormState {
  return {
    id: '',
    customerTier: '',
    customerId: '',
    route: '',
    method: '',
    algorithm: 'token_bucket',
    limit: '',
    windowSeconds: '60',
    burst: '',
    scope: 'regional',
    failureMode: 'open',
    mode: 'enforce',
  };
}

export function policyToForm(policy: Policy): PolicyFormState {
  return {
    id: policy.id,
    customerTier: policy.match.customerTier ?? '',
    customerId: policy.match.customerId ?? '',
    route: policy.match.route ?? '',
    method: policy.match.method ?? '',
    algorithm: policy.algorithm,
    limit: String(policy.limit),
    windowSeconds: String(policy.windowSeconds),
    burst: policy.burst === undefined || policy.burst === policy.limit ? '' : String(policy.burst),
    scope: policy.scope ?? 'regional',
    failureMode: policy.failureMode ?? 'open',
    mode: policy.mode ?? 'enforce',
  };
}

/**
 * The request body for POST /v1/policies (with `id`) or PUT /v1/policies/{id} (without). Empty
 * optional inputs are left out; a number input that is not a number is sent as typed, so the API's
 * own message ("must be an integer from 1 to 1000000000") appears under the field. The console
 * does not re-implement the API's rules.
 */
export function formToPolicyBody(form: PolicyFormState, options: { includeId: boolean }): Record<string, unknown> {
  const match: Record<string, string> = {};
  if (form.customerTier.trim() !== '') match.customerTier = form.customerTier.trim();
  if (form.customerId !== '') match.customerId = form.customerId;
  if (form.route.trim() !== '') match.route = form.route.trim();
  if (form.method.trim() !== '') match.method = form.method.trim();
  const body: Record<string, unknown> = {
    match,
    algorithm: form.algorithm,
    limit: numberOrText(form.limit),
    windowSeconds: numberOrText(form.windowSeconds),
    scope: form.scope,
    failureMode: form.failureMode,
    mode: form.mode,
  };
  if (form.burst.trim() !== '') body.burst = numberOrText(form.burst);
  return options.includeId ? { id: form.id.trim(), ...body } : body;
}

/** `"100"` -> 100; `""` -> undefined (the API says "is required"); anything else as typed. */
export function numberOrText(input: string): number | string | undefined {
  const text = input.trim();
  if (text === '') return undefined;
  return /^-?\d+(\.\d+)?(e\d+)?$/i.test(text) ? Number(text) : text;
}
