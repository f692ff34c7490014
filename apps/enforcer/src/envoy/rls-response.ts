import type { CheckReply } from '../check/format-decision';
import type { DescriptorStatusMessage, RateLimitCodeName, RateLimitResponseMessage, RateLimitUnitName } from './rls-proto';

/**
 * Every descriptor is allowed or over its limit, except one whose policy fails closed while the
 * counter store is down. That is neither: the enforcer cannot count it. It becomes gRPC UNAVAILABLE,
 * which Envoy handles by its `failure_mode_deny` setting (deny: `status_on_error`; else admit).
 */
export class RlsUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RlsUnavailableError';
  }
}

export const UINT32_MAX = 4_294_967_295;

/** Units a current limit is stated in, shortest first. */
const UNITS: readonly { readonly name: RateLimitUnitName; readonly seconds: number }[] = [
  { name: 'SECOND', seconds: 1 },
  { name: 'MINUTE', seconds: 60 },
  { name: 'HOUR', seconds: 3_600 },
  { name: 'DAY', seconds: 86_400 },
];

/** The contract's `RateLimit-Policy` value: `"<policy id>";q=<limit>;w=<window seconds>`. */
const POLICY_HEADER = /^"([^"]*)";q=(\d+);w=(\d+(?:\.\d+)?)$/;

/**
 * A policy's limit as Envoy's `RateLimit { requests_per_unit, unit }`:
 * - a window of exactly one second, minute, hour or day is stated as is (100 per 60 s: 100/MINUTE);
 * - any other window is stated as the same rate over the shortest unit at least as long as the
 *   window (DAY beyond a day), rounded, at least 1 for a non-zero limit, at most 2^32 - 1:
 *   10 per 10 s is 60/MINUTE, 5 per 90 s is 200/HOUR, 20 per 0.5 s is 40/SECOND, 7 per week 1/DAY.
 * The rate is kept; how bursts are shaped is not (the headers keep the exact window).
 */
export function toRateLimit(input: { name: string; limit: number; windowSeconds: number }): NonNullable<DescriptorStatusMessage['current_limit']> {
  const unit = UNITS.find((u) => u.seconds >= input.windowSeconds) ?? UNITS[UNITS.length - 1];
  const perUnit =
    unit.seconds === input.windowSeconds || input.limit === 0 ? input.limit : Math.max(1, Math.round((input.limit * unit.seconds) / input.windowSeconds));
  return { name: input.name, requests_per_unit: Math.min(UINT32_MAX, perUnit), unit: unit.name };
}

/**
 * The current limit of one decision: the limit the decision names with its exact window (a
 * sub-second window included, which `RateLimit-Policy` rounds to whole seconds), else read from
 * the `RateLimit-Policy` header (a block); `null` if that is missing or not in the contract form.
 */
export function currentLimitOf(reply: CheckReply): DescriptorStatusMessage['current_limit'] {
  if (reply.currentLimit !== undefined) return reply.currentLimit.windowSeconds > 0 ? toRateLimit(reply.currentLimit) : null;
  const match = POLICY_HEADER.exec(reply.headers['ratelimit-policy'] ?? '');
  if (match === null) return null;
  const windowSeconds = Number(match[3]);
  if (!(windowSeconds > 0)) return null;
  return toRateLimit({ name: match[1], limit: Number(match[2]), windowSeconds });
}

/** Seconds as a google.protobuf.Duration, to the microsecond. */
export function toDuration(seconds: number): { seconds: number; nanos: number } {
  const micros = Math.max(0, Math.round(seconds * 1_000_000));
  return { seconds: Math.floor(micros / 1_000_000), nanos: (micros % 1_000_000) * 1_000 };
}

function codeOf(reply: CheckReply): RateLimitCodeName {
  return reply.statusCode === 200 ? 'OK' : reply.statusCode === 429 ? 'OVER_LIMIT' : 'UNKNOWN';
}

function statusOf(reply: CheckReply): DescriptorStatusMessage {
  return {
    code: codeOf(reply),
    current_limit: currentLimitOf(reply),
    limit_remaining: Math.min(UINT32_MAX, reply.body.remaining),
    duration_until_reset: toDuration(reply.body.resetSeconds),
  };
}

/**
 * The descriptor whose headers the response carries: the same set the HTTP contract sends for one
 * decision. When over limit, the over-limit descriptor with the longest wait (its `Retry-After`);
 * otherwise the one with the fewest remaining. Ties go to the earlier descriptor.
 */
export function headlineOf(replies: readonly CheckReply[], overLimit: boolean): CheckReply {
  let best: CheckReply | undefined;
  for (const reply of replies) {
    if (overLimit) {
      if (reply.statusCode === 429 && (best === undefined || reply.body.retryAfterSeconds > best.body.retryAfterSeconds)) best = reply;
    } else if (best === undefined || reply.body.remaining < best.body.remaining) {
      best = reply;
    }
  }
  // replies is never empty (a request holds at least one descriptor) and, when overLimit, holds a 429.
  return best ?? replies[0];
}

/**
 * Turns the decisions of a request's descriptors (in request order) into Envoy's response:
 * - `overall_code` OVER_LIMIT if any descriptor was denied (429: over limit or blocked), else OK;
 * - one status per descriptor: OK, OVER_LIMIT, or UNKNOWN for a fail-closed descriptor that could
 *   not be counted; the current limit, the remaining count and the time until the quota is restored;
 * - `response_headers_to_add`: X-RateLimit-Limit/-Remaining/-Reset, RateLimit-Policy, RateLimit, and
 *   on OVER_LIMIT Retry-After, exactly as `POST /v1/check` sends them, for the headline descriptor.
 * A fail-closed (or overloaded) descriptor and no denial throws RlsUnavailableError: a denial is
 * certain, and wins. A cost above the limit is OVER_LIMIT, as on HTTP (429 without Retry-After).
 */
export function formatRateLimitResponse(replies: readonly CheckReply[]): RateLimitResponseMessage {
  let overLimit = false;
  let failClosed = -1;
  for (let i = 0; i < replies.length; i++) {
    const status = replies[i].statusCode;
    if (status === 429) overLimit = true;
    else if (status === 503 && failClosed < 0) failClosed = i;
  }
  if (!overLimit && failClosed >= 0) {
    const body = replies[failClosed].body;
    if (body.overloaded === true) throw new RlsUnavailableError(`descriptors[${failClosed}]: the enforcer is overloaded (ENFORCER_MAX_IN_FLIGHT decisions in flight)`);
    throw new RlsUnavailableError(`descriptors[${failClosed}]: the counter store is unavailable and policy "${body.policy.id}" fails closed`);
  }
  const headline = headlineOf(replies, overLimit);
  return {
    overall_code: overLimit ? 'OVER_LIMIT' : 'OK',
    statuses: replies.map(statusOf),
    response_headers_to_add: Object.entries(headline.headers).map(([key, value]) => ({ key, value })),
  };
}
