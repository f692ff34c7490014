import type { CheckResponse } from '@rl/contracts';
import type { DecisionSource } from '@rl/decision-pipeline';
import type { RawDecision } from '@rl/limiter-core';
import type { CompiledPolicy } from '../policies/compiled-policy';

/** Status, headers and body of one check reply. */
export interface CheckReply {
  readonly statusCode: 200 | 429 | 503;
  readonly headers: Record<string, string>;
  readonly body: CheckResponse;
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
 * - a shadow policy reports what it counted but always allows (`shadow`, `wouldDeny`);
 * - any source other than the store sets `degraded`, and the local fallback reports its own,
 *   smaller quota so the numbers describe what was enforced;
 * - a cost the limit can never admit (`costExceedsLimit`) is denied with
 *   `reason: "cost_exceeds_limit"` and no `Retry-After`: retrying is pointless.
 */
export function formatDecision(input: { policy: CompiledPolicy; decision: RawDecision; source: DecisionSource; region: string; decisionId: string; costExceedsLimit?: boolean }): CheckReply {
  const { policy, decision, source } = input;
  const hopeless = input.costExceedsLimit === true && !policy.shadow;
  const quota = source === 'local-fallback' ? policy.localQuota : policy.quota;
  const allowed = decision.allowed || policy.shadow;
  const remaining = String(decision.remaining);
  const reset = String(Math.ceil(decision.resetUs / MICROS));
  const headers: Record<string, string> = {
    'x-ratelimit-limit': quota.limitHeader,
    'x-ratelimit-remaining': remaining,
    'x-ratelimit-reset': reset,
    'ratelimit-policy': quota.policyHeader,
    ratelimit: `${policy.rateLimitPrefix}${remaining};t=${reset}`,
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
  }
  if (source !== 'store') body.degraded = true;
  if (input.costExceedsLimit === true) body.reason = 'cost_exceeds_limit';

  const statusCode = allowed ? 200 : source === 'fail-closed' ? 503 : 429;
  return { statusCode, headers, body };
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
