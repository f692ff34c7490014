import { PROBLEM_JSON, policyWindowSeconds, rateLimitProblem } from '@rl/contracts';
import type { RateLimitDecision } from '../core/decision';

/**
 * The response headers of one decision, exactly as CONTRACT.md has the enforcer send them, with
 * lower-case names (HTTP header names are case-insensitive; Node and Fastify send them as given):
 * - `x-ratelimit-limit`, `x-ratelimit-remaining`, `x-ratelimit-reset` (whole seconds until the
 *   quota is fully restored, rounded up);
 * - `ratelimit-policy: "<id>";q=<limit>;w=<window>` (whole seconds, at least 1) and
 *   `ratelimit: "<id>";r=<remaining>;t=<reset>`;
 * - `retry-after` (whole seconds, rounded up, at least 1) on every denial: 429 and 503.
 * A degraded decision made without a known quota carries only `retry-after` (when denied): it
 * has no numbers to report. A stacked policy's lists (one item per limit) are the enforcer's own.
 *
 * The one formatter every adapter (Nest, Fastify, Express) uses.
 */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  const headers: Record<string, string> = {};
  if (decision.windowSeconds !== undefined) {
    const id = decision.policy.id;
    const remaining = String(decision.remaining);
    const reset = String(Math.ceil(decision.resetSeconds));
    headers['x-ratelimit-limit'] = String(decision.limit);
    headers['x-ratelimit-remaining'] = remaining;
    headers['x-ratelimit-reset'] = reset;
    headers['ratelimit-policy'] = decision.limitLists?.policy ?? `"${id}";q=${decision.limit};w=${policyWindowSeconds(decision.windowSeconds)}`;
    headers.ratelimit = decision.limitLists?.rateLimit ?? `"${id}";r=${remaining};t=${reset}`;
  }
  if (!decision.allowed) headers['retry-after'] = String(Math.max(1, Math.ceil(decision.retryAfterSeconds)));
  return headers;
}

/** The content type of every denial the adapters answer themselves (RFC 9457 problem details). */
export const DENIAL_CONTENT_TYPE = PROBLEM_JSON;

/**
 * The body adapters answer a denial with, as `application/problem+json` (RFC 9457, with the IETF
 * rate-limit draft-11's problem types):
 * - 429: `type` quota-exceeded, `title`, `status`, and `violated-policies` (the enforcer's, or the
 *   decision's policy when it names none: library mode, a block);
 * - 503 (the limiter is down and fails closed): `type` temporary-reduced-capacity, `title`, `status`.
 * The decision's own fields (the enforcer's CheckResponse: `allowed`, `limit`, `remaining`,
 * `resetSeconds`, `retryAfterSeconds`, `policy`, `region`, `degraded`, `blocked`) follow as
 * extension members, so clients reading them keep working.
 */
export function denialBody(decision: RateLimitDecision): Record<string, unknown> {
  const body: Record<string, unknown> = {
    ...rateLimitProblem({ status: decision.statusCode, violated: decision.violatedPolicies ?? [decision.policy.id] }),
    allowed: decision.allowed,
    limit: decision.limit,
    remaining: decision.remaining,
    resetSeconds: decision.resetSeconds,
    retryAfterSeconds: decision.retryAfterSeconds,
    policy: decision.policy,
    region: decision.region,
  };
  if (decision.degraded) body.degraded = true;
  if (decision.blocked) body.blocked = true;
  return body;
}
