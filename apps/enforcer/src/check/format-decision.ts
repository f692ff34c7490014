import type { CheckResponse } from '@rl/contracts';
import type { DecisionSource } from '@rl/decision-pipeline';
import type { RawDecision, StackedDecision } from '@rl/limiter-core';
import type { CompiledPolicy, CompiledStack } from '../policies/compiled-policy';

/** Status, headers and body of one check reply. */
export interface CheckReply {
  readonly statusCode: 200 | 429 | 503;
  readonly headers: Record<string, string>;
  readonly body: CheckResponse;
  /**
   * The limit the decision reports (the most constraining one of a stack) with its exact window,
   * for answers that state it in other units (Envoy's `current_limit`); `RateLimit-Policy` states
   * the window in whole seconds only. Absent when no policy decided (overloaded, blocked).
   */
  readonly currentLimit?: { readonly name: string; readonly limit: number; readonly windowSeconds: number };
}

/**
 * A cost above what the policy can ever admit: denied with no store call, no retry time and
 * nothing remaining for it (the counter itself is untouched).
 */
export const COST_EXCEEDS_LIMIT: RawDecision = { allowed: false, remaining: 0, resetUs: 0, retryAfterUs: 0 };

/** The policy reference an overloaded reply names: no policy was resolved. */
export const OVERLOADED_POLICY_REF = { id: 'overloaded', version: 0 } as const;

/** Seconds an overloaded enforcer asks the gateway to wait before it retries this request. */
const OVERLOADED_RETRY_SECONDS = 1;

const MICROS = 1_000_000;

/**
 * Turns a decision into the contract's reply (CONTRACT.md, `POST /v1/check`):
 * - status 200 allowed, 429 denied, 503 denied because the store is down and the policy fails closed;
 * - `X-RateLimit-Reset` and the `t` of `RateLimit` are whole seconds until the quota is fully
 *   restored, rounded up; `Retry-After` (denials only) is whole seconds rounded up, at least 1;
 * - a shadow policy reports what it counted but always allows (`shadow`, `wouldDeny`), naming
 *   the limits an enforcing policy would have denied with in `wouldViolate`;
 * - any source other than the store sets `degraded`, and the local fallback reports its own,
 *   smaller quota so the numbers describe what was enforced;
 * - a cost the limit can never admit (`costExceedsLimit`) is denied with
 *   `reason: "cost_exceeds_limit"` and no `Retry-After`: retrying is pointless;
 * - a 429 names the limits that denied in `violated-policies` (the IETF draft's problem-type
 *   member) and `violated`; a fail-closed 503 names none: no quota was exceeded.
 */
export function formatDecision(input: {
  policy: CompiledPolicy;
  decision: RawDecision | StackedDecision;
  source: DecisionSource;
  region: string;
  decisionId: string;
  costExceedsLimit?: boolean;
  /** Overrides the names a denial reports (a stack refusing a cost: the limits that can never admit it). */
  violated?: readonly string[];
}): CheckReply {
  const { policy, decision, source } = input;
  const hopeless = input.costExceedsLimit === true && !policy.shadow;
  const allowed = decision.allowed || policy.shadow;
  const stacked = policy.stack !== undefined && 'limits' in decision ? describeStack({ stack: policy.stack, decision, local: source === 'local-fallback' }) : undefined;
  const quota = stacked?.quota ?? (source === 'local-fallback' ? policy.localQuota : policy.quota);
  const remaining = String(decision.remaining);
  const reset = String(Math.ceil(decision.resetUs / MICROS));
  const headers: Record<string, string> = {
    'x-ratelimit-limit': quota.limitHeader,
    'x-ratelimit-remaining': remaining,
    'x-ratelimit-reset': reset,
    'ratelimit-policy': stacked?.policyHeader ?? quota.policyHeader,
    ratelimit: stacked?.rateLimitHeader ?? `${policy.rateLimitPrefix}${remaining};t=${reset}`,
  };
  if (!allowed && !hopeless) headers['retry-after'] = String(Math.max(1, Math.ceil(decision.retryAfterUs / MICROS)));

  const body: { -readonly [K in keyof CheckResponse]: CheckResponse[K] } = {
    allowed,
    limit: quota.limit,
    remaining: decision.remaining,
    resetSeconds: decision.resetUs / MICROS,
    retryAfterSeconds: allowed ? 0 : decision.retryAfterUs / MICROS,
    policy: policy.ref,
    region: input.region,
    decisionId: input.decisionId,
  };
  if (policy.shadow) {
    body.shadow = true;
    body.wouldDeny = !decision.allowed;
    if (!decision.allowed) body.wouldViolate = input.violated ?? stacked?.violated ?? policy.violated;
  }
  if (source !== 'store') body.degraded = true;
  if (input.costExceedsLimit === true) body.reason = 'cost_exceeds_limit';
  if (!allowed && source !== 'fail-closed') {
    const violated = input.violated ?? stacked?.violated ?? policy.violated;
    body['violated-policies'] = violated;
    body.violated = violated;
  }

  const statusCode = allowed ? 200 : source === 'fail-closed' ? 503 : 429;
  const currentLimit = { name: stacked?.name ?? policy.ref.id, limit: quota.limit, windowSeconds: (stacked?.windowUs ?? policy.windowUs) / MICROS };
  return { statusCode, headers, body, currentLimit };
}

/**
 * The headers of a stacked decision: `RateLimit-Policy` lists every limit, `RateLimit` each
 * limit's remaining and reset; `X-RateLimit-*` and the body describe the most constraining limit
 * (the decision's own numbers are that limit's). A denial names the limits that denied.
 */
function describeStack(input: { stack: CompiledStack; decision: StackedDecision; local: boolean }): {
  name: string;
  windowUs: number;
  quota: CompiledPolicy['quota'];
  policyHeader: string;
  rateLimitHeader: string;
  violated: readonly string[];
} {
  const { stack, decision, local } = input;
  const items: string[] = [];
  const violated: string[] = [];
  stack.limits.forEach((limit, index) => {
    const own = decision.limits[index];
    items.push(`${limit.rateLimitPrefix}${own.remaining};t=${Math.ceil(own.resetUs / MICROS)}`);
    if (!own.allowed) violated.push(limit.itemName);
  });
  const constraining = stack.limits[decision.constraining];
  return {
    name: constraining.itemName,
    windowUs: constraining.windowUs,
    quota: local ? constraining.localQuota : constraining.quota,
    policyHeader: local ? stack.localPolicyHeader : stack.policyHeader,
    rateLimitHeader: items.join(', '),
    violated: violated.length === 1 ? stack.limits[decision.limits.findIndex((d) => !d.allowed)].violated : violated,
  };
}

/**
 * The reply of an enforcer past its in-flight cap: 503 with `Retry-After` and `overloaded: true`,
 * so the gateway applies its own failure mode. No policy was resolved and no counter touched.
 */
export function formatOverloaded(region: string): CheckReply {
  const wait = String(OVERLOADED_RETRY_SECONDS);
  return {
    statusCode: 503,
    headers: { 'retry-after': wait },
    body: {
      allowed: false,
      limit: 0,
      remaining: 0,
      resetSeconds: 0,
      retryAfterSeconds: OVERLOADED_RETRY_SECONDS,
      policy: OVERLOADED_POLICY_REF,
      region,
      overloaded: true,
    },
  };
}
