import type { RateLimitDecision } from '../core/decision';

/** `w=<seconds>` of a `RateLimit-Policy` header value. */
const WINDOW_PARAM = /;\s*w=(\d+(?:\.\d+)?)(?:;|$)/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function finiteAtLeastZero(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/**
 * Reads the enforcer's reply to `POST /v1/check` (status 200, 429 or 503 with a CheckResponse
 * body, CONTRACT.md) into a decision. Undefined when the reply is not one: the caller then treats
 * the enforcer as unavailable. The window comes from the `RateLimit-Policy` header, the only
 * place the enforcer states it.
 */
export function parseCheckReply(input: { statusCode: number; body: unknown; policyHeader: string | undefined; rateLimitHeader?: string }): RateLimitDecision | undefined {
  const { statusCode, body } = input;
  if (statusCode !== 200 && statusCode !== 429 && statusCode !== 503) return undefined;
  if (!isObject(body)) return undefined;
  const { allowed, limit, remaining, resetSeconds, retryAfterSeconds, policy, region } = body;
  if (typeof allowed !== 'boolean' || allowed !== (statusCode === 200)) return undefined;
  if (!finiteAtLeastZero(limit) || !finiteAtLeastZero(remaining) || !finiteAtLeastZero(resetSeconds) || !finiteAtLeastZero(retryAfterSeconds)) return undefined;
  if (!isObject(policy) || typeof policy.id !== 'string' || !finiteAtLeastZero(policy.version) || typeof region !== 'string') return undefined;
  const window = input.policyHeader === undefined ? undefined : WINDOW_PARAM.exec(input.policyHeader);
  const decision: { -readonly [K in keyof RateLimitDecision]: RateLimitDecision[K] } = {
    statusCode,
    allowed,
    limit,
    remaining,
    resetSeconds,
    retryAfterSeconds,
    policy: { id: policy.id, version: policy.version },
    windowSeconds: window === null || window === undefined ? undefined : Number(window[1]),
    region,
  };
  if (typeof body.decisionId === 'string') decision.decisionId = body.decisionId;
  if (typeof body.leaseId === 'string') decision.leaseId = body.leaseId;
  // A stacked policy: one item per limit, passed on as they are.
  if (input.policyHeader !== undefined && input.rateLimitHeader !== undefined && input.policyHeader.includes(', "')) {
    decision.limitLists = { policy: input.policyHeader, rateLimit: input.rateLimitHeader };
  }
  const violated = stringList(body['violated-policies']);
  if (violated !== undefined) decision.violatedPolicies = violated;
  if (body.degraded === true) decision.degraded = true;
  if (body.blocked === true) decision.blocked = true;
  if (body.shadow === true) {
    decision.shadow = true;
    decision.wouldDeny = body.wouldDeny === true;
    const wouldViolate = stringList(body.wouldViolate);
    if (wouldViolate !== undefined) decision.wouldViolate = wouldViolate;
  }
  return decision;
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((name) => typeof name === 'string') ? (value as string[]) : undefined;
}
