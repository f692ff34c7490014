import type { EscalationSettings, FailureMode, Mode, Policy, PolicyLimit, Scope, StoredPolicyAlgorithm } from './types';

/** Automatic blocks on a form: the enforcers' defaults, off, or the operator's own numbers. */
export type EscalationChoice = 'default' | 'off' | 'custom';

/** A form's automatic-block inputs, as typed. */
export interface EscalationFormState {
  escalation: EscalationChoice;
  escalationThreshold: string;
  escalationWindowSeconds: string;
  escalationBlockSeconds: string;
}

export const ESCALATION_FORM_PATHS = ['escalation', 'escalation.threshold', 'escalation.windowSeconds', 'escalation.blockSeconds'] as const;

export function escalationToForm(settings: EscalationSettings | undefined): EscalationFormState {
  const text = (n: number | undefined): string => (n === undefined ? '' : String(n));
  if (settings === undefined) return { escalation: 'default', escalationThreshold: '', escalationWindowSeconds: '', escalationBlockSeconds: '' };
  const off = settings.threshold === 0 && settings.windowSeconds === undefined && settings.blockSeconds === undefined;
  return {
    escalation: off ? 'off' : 'custom',
    escalationThreshold: off ? '' : text(settings.threshold),
    escalationWindowSeconds: text(settings.windowSeconds),
    escalationBlockSeconds: text(settings.blockSeconds),
  };
}

/** The `escalation` member of a request body: absent for the defaults, `{ threshold: 0 }` for off, else the numbers given. */
export function formToEscalation(form: EscalationFormState): Record<string, unknown> | undefined {
  if (form.escalation === 'default') return undefined;
  if (form.escalation === 'off') return { threshold: 0 };
  const settings: Record<string, unknown> = {};
  if (form.escalationThreshold.trim() !== '') settings.threshold = numberOrText(form.escalationThreshold);
  if (form.escalationWindowSeconds.trim() !== '') settings.windowSeconds = numberOrText(form.escalationWindowSeconds);
  if (form.escalationBlockSeconds.trim() !== '') settings.blockSeconds = numberOrText(form.escalationBlockSeconds);
  return settings;
}

/** A policy form's state: every input as the operator typed it. */
export interface PolicyFormState extends EscalationFormState {
  id: string;
  customerTier: string;
  customerId: string;
  route: string;
  method: string;
  algorithm: StoredPolicyAlgorithm;
  limit: string;
  windowSeconds: string;
  burst: string;
  /** Concurrency policies only. */
  leaseSeconds: string;
  scope: Scope;
  failureMode: FailureMode;
  mode: Mode;
  /**
   * A stacked policy's limits, kept as loaded: the form edits the rest and sends them back
   * unchanged (its limit and window fields are then those of the shortest window, which the API
   * checks against the limits).
   */
  limits?: readonly PolicyLimit[];
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
  'leaseSeconds',
  'scope',
  'failureMode',
  'mode',
  ...ESCALATION_FORM_PATHS,
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
    leaseSeconds: '60',
    scope: 'regional',
    failureMode: 'open',
    mode: 'enforce',
    ...escalationToForm(undefined),
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
    leaseSeconds: policy.leaseSeconds === undefined ? '60' : String(policy.leaseSeconds),
    scope: policy.scope ?? 'regional',
    failureMode: policy.failureMode ?? 'open',
    mode: policy.mode ?? 'enforce',
    ...escalationToForm(policy.escalation),
    ...(policy.limits === undefined ? {} : { limits: policy.limits }),
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
  // A concurrency policy has a lease instead of a window and a burst.
  const concurrency = form.algorithm === 'concurrency';
  const body: Record<string, unknown> = {
    match,
    algorithm: form.algorithm,
    limit: numberOrText(form.limit),
    ...(concurrency ? { leaseSeconds: numberOrText(form.leaseSeconds) } : { windowSeconds: numberOrText(form.windowSeconds) }),
    scope: form.scope,
    failureMode: form.failureMode,
    mode: form.mode,
  };
  if (!concurrency && form.burst.trim() !== '') body.burst = numberOrText(form.burst);
  const escalation = formToEscalation(form);
  if (escalation !== undefined) body.escalation = escalation;
  if (form.limits !== undefined) body.limits = form.limits;
  return options.includeId ? { id: form.id.trim(), ...body } : body;
}

/** `"100"` -> 100; `""` -> undefined (the API says "is required"); anything else as typed. */
export function numberOrText(input: string): number | string | undefined {
  const text = input.trim();
  if (text === '') return undefined;
  return /^-?\d+(\.\d+)?(e\d+)?$/i.test(text) ? Number(text) : text;
}
