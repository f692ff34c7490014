import type { RateLimitDecision } from '../core/decision';

/** `60` stays `60`; sub-second windows keep up to three decimals (`0.25`), like the enforcer. */
function formatWindow(windowSeconds: number): string {
  return Number.isInteger(windowSeconds) ? String(windowSeconds) : String(Math.round(windowSeconds * 1000) / 1000);
}

/**
 * The response headers of one decision, exactly as CONTRACT.md has the enforcer send them, with
 * lower-case names (HTTP header names are case-insensitive; Node and Fastify send them as given):
 * - `x-ratelimit-limit`, `x-ratelimit-remaining`, `x-ratelimit-reset` (whole seconds until the
 *   quota is fully restored, rounded up);
 * - `ratelimit-policy: "<id>";q=<limit>;w=<window>` and `ratelimit: "<id>";r=<remaining>;t=<reset>`;
 * - `retry-after` (whole seconds, rounded up, at least 1) on every denial: 429 and 503.
 * A degraded decision made without a known quota carries only `retry-after` (when denied): it
 * has no numbers to report.
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
    headers['ratelimit-policy'] = `"${id}";q=${decision.limit};w=${formatWindow(decision.windowSeconds)}`;
    headers.ratelimit = `"${id}";r=${remaining};t=${reset}`;
  }
  if (!decision.allowed) headers['retry-after'] = String(Math.max(1, Math.ceil(decision.retryAfterSeconds)));
  return headers;
}

/** The JSON body adapters answer a denial with: the decision as the enforcer's CheckResponse. */
export function denialBody(decision: RateLimitDecision): Record<string, unknown> {
  const body: Record<string, unknown> = {
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
