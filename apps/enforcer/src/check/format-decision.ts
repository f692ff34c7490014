import type { CheckResponse } from '@rl/contracts';
import type { RawDecision } from '@rl/limiter-core';
import type { CompiledPolicy } from '../policies/compiled-policy';

/**
 * Who decided: the regional store; this instance's local bucket because the store failed and the
 * policy fails open; or nobody, because the store failed and the policy fails closed.
 */
export type DecisionSource = 'store' | 'local-fallback' | 'fail-closed';

/** Status, headers and body of one check reply. */
export interface CheckReply {
  readonly statusCode: 200 | 429 | 503;
  readonly headers: Record<string, string>;
  readonly body: CheckResponse;
}

/** What a fail-closed policy answers while the store is down. */
export const FAIL_CLOSED_DECISION: RawDecision = { allowed: false, remaining: 0, resetUs: 0, retryAfterUs: 1_000_000 };

const MICROS = 1_000_000;

/**
 * Turns a decision into the contract's reply (CONTRACT.md, `POST /v1/check`):
 * - status 200 allowed, 429 denied, 503 denied because the store is down and the policy fails closed;
 * - `X-RateLimit-Reset` and the `t` of `RateLimit` are whole seconds until the quota is fully
 *   restored, rounded up; `Retry-After` (denials only) is whole seconds rounded up, at least 1;
 * - a shadow policy reports what it counted but always allows (`shadow`, `wouldDeny`);
 * - any source other than the store sets `degraded`, and the local fallback reports its own,
 *   smaller quota so the numbers describe what was enforced.
 */
export function formatDecision(input: { policy: CompiledPolicy; decision: RawDecision; source: DecisionSource; region: string }): CheckReply {
  const { policy, decision, source } = input;
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
  if (!allowed) headers['retry-after'] = String(Math.max(1, Math.ceil(decision.retryAfterUs / MICROS)));

  const body: { -readonly [K in keyof CheckResponse]: CheckResponse[K] } = {
    allowed,
    limit: quota.limit,
    remaining: decision.remaining,
    resetSeconds: decision.resetUs / MICROS,
    retryAfterSeconds: allowed ? 0 : decision.retryAfterUs / MICROS,
    policy: policy.ref,
    region: input.region,
  };
  if (policy.shadow) {
    body.shadow = true;
    body.wouldDeny = !decision.allowed;
  }
  if (source !== 'store') body.degraded = true;

  const statusCode = allowed ? 200 : source === 'fail-closed' ? 503 : 429;
  return { statusCode, headers, body };
}
