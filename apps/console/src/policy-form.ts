import type { Algorithm, CalendarWindow, EscalationSettings, FailureMode, Mode, Policy, PolicyLimit, Scope, StoredPolicyAlgorithm } from './types';

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
   * A stacked policy's limits (rate policies only), in order; none for a policy of one limit. With
   * any, the policy's own limit, window and burst are left to the API (those of the shortest window).
   */
  limits: LimitFormState[];
}

/** How a stacked limit's window is given: seconds, or a calendar window in a time zone. */
export type LimitWindowChoice = 'seconds' | CalendarWindow;

/** One stacked limit's inputs, as typed; `algorithm` '' takes the policy's. */
export interface LimitFormState {
  name: string;
  limit: string;
  window: LimitWindowChoice;
  windowSeconds: string;
  timeZone: string;
  algorithm: Algorithm | '';
  burst: string;
  /** `regional` or `global` for this limit alone; empty: the policy's scope. */
  scope: Scope | '';
}

/** The fields of one stacked limit, by their API path under `limits[i]`. */
export const LIMIT_FORM_FIELDS = ['name', 'limit', 'window', 'windowSeconds', 'timeZone', 'algorithm', 'burst', 'scope'] as const;

/** The API path of stacked limit `index`, or of its `field` (`limits[1].limit`), as the API names them. */
export function limitPath(index: number, field?: (typeof LIMIT_FORM_FIELDS)[number]): string {
  return field === undefined ? `limits[${index}]` : `limits[${index}].${field}`;
}

/** The policy's own limit fields, which a stacked policy's form does not show. */
const SHORTHAND_PATHS: readonly string[] = ['limit', 'windowSeconds', 'burst'];

/**
 * Every path the policy form shows a field for: the fixed ones (without the policy's own limit,
 * window and burst while it has stacked limits, so their messages go to the banner), and those of
 * each stacked limit shown.
 */
export function policyFormPaths(form: Pick<PolicyFormState, 'limits' | 'algorithm'>): string[] {
  if (form.algorithm === 'concurrency') return [...POLICY_FORM_PATHS];
  const fixed = form.limits.length === 0 ? POLICY_FORM_PATHS : POLICY_FORM_PATHS.filter((path) => !SHORTHAND_PATHS.includes(path));
  return [...fixed, 'limits', ...form.limits.flatMap((_limit, index) => [limitPath(index), ...LIMIT_FORM_FIELDS.map((field) => limitPath(index, field))])];
}

/** A new stacked limit: a minute window, the policy's algorithm. */
export function emptyLimitForm(): LimitFormState {
  return { name: '', limit: '', window: 'seconds', windowSeconds: '60', timeZone: 'UTC', algorithm: '', burst: '', scope: '' };
}

export function limitToForm(limit: PolicyLimit): LimitFormState {
  const calendar = limit.window !== undefined;
  return {
    name: limit.name,
    limit: String(limit.limit),
    window: limit.window ?? 'seconds',
    windowSeconds: limit.windowSeconds === undefined ? '60' : String(limit.windowSeconds),
    timeZone: limit.timeZone ?? 'UTC',
    // A calendar window is always counted by fixed_window: the API sets it.
    algorithm: calendar ? '' : limit.algorithm,
    burst: limit.burst === limit.limit ? '' : String(limit.burst),
    scope: limit.scope ?? '',
  };
}

/** One stacked limit of a request body; empty optional inputs are left out, so the API's defaults apply. */
export function formToLimit(form: LimitFormState): Record<string, unknown> {
  const body: Record<string, unknown> = { name: form.name.trim(), limit: numberOrText(form.limit) };
  if (form.window === 'seconds') body.windowSeconds = numberOrText(form.windowSeconds);
  else {
    body.window = form.window;
    if (form.timeZone.trim() !== '') body.timeZone = form.timeZone.trim();
  }
  if (form.window === 'seconds' && form.algorithm !== '') body.algorithm = form.algorithm;
  if (form.burst.trim() !== '') body.burst = numberOrText(form.burst);
  if (form.scope !== '') body.scope = form.scope;
  return body;
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
    limits: [],
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
    limits: (policy.limits ?? []).map(limitToForm),
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
  // A concurrency policy has a lease instead of a window and a burst, and no stacked limits.
  const concurrency = form.algorithm === 'concurrency';
  // A stacked policy's own limit, window and burst are its shortest limit's: the API derives them.
  const stacked = !concurrency && form.limits.length > 0;
  const body: Record<string, unknown> = {
    match,
    algorithm: form.algorithm,
    ...(stacked ? { limits: form.limits.map(formToLimit) } : { limit: numberOrText(form.limit) }),
    ...(concurrency ? { leaseSeconds: numberOrText(form.leaseSeconds) } : stacked ? {} : { windowSeconds: numberOrText(form.windowSeconds) }),
    scope: form.scope,
    failureMode: form.failureMode,
    mode: form.mode,
  };
  if (!concurrency && !stacked && form.burst.trim() !== '') body.burst = numberOrText(form.burst);
  const escalation = formToEscalation(form);
  if (escalation !== undefined) body.escalation = escalation;
  return options.includeId ? { id: form.id.trim(), ...body } : body;
}

/** `"100"` -> 100; `""` -> undefined (the API says "is required"); anything else as typed. */
export function numberOrText(input: string): number | string | undefined {
  const text = input.trim();
  if (text === '') return undefined;
  return /^-?\d+(\.\d+)?(e\d+)?$/i.test(text) ? Number(text) : text;
}
