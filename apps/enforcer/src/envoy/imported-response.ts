import type { EnvoyUnit } from '@rl/contracts';
import { envoyResetSeconds } from '@rl/envoy-config';
import type { CheckReply } from '../check/format-decision';
import type { CompiledEnvoyRule } from '../policies/envoy/compiled-envoy-rule';
import type { DescriptorStatusMessage, RateLimitResponseMessage, RateLimitUnitName } from './rls-proto';
import { headlineOf, RlsUnavailableError, toDuration, UINT32_MAX } from './rls-response';

/** How one descriptor of a domain with imported rules was answered. */
export type ImportedOutcome =
  | { readonly kind: 'none' }
  | { readonly kind: 'unlimited' }
  | { readonly kind: 'decided'; readonly rule: CompiledEnvoyRule; readonly reply: CheckReply };

/** Units on the wire; WEEK (7) goes as its number, which this proto copy does not name. */
const PROTO_UNITS: Readonly<Record<EnvoyUnit, RateLimitUnitName | number>> = {
  second: 'SECOND',
  minute: 'MINUTE',
  hour: 'HOUR',
  day: 'DAY',
  week: 7,
  month: 'MONTH',
  year: 'YEAR',
};

const NOT_LIMITED: DescriptorStatusMessage = { code: 'OK', current_limit: null, limit_remaining: 0, duration_until_reset: null };
const UNLIMITED: DescriptorStatusMessage = { code: 'OK', current_limit: null, limit_remaining: UINT32_MAX, duration_until_reset: null };

function statusOf(outcome: Extract<ImportedOutcome, { kind: 'decided' }>, nowSeconds: number): DescriptorStatusMessage {
  const { rule, reply } = outcome;
  const over = reply.statusCode === 429;
  // Over the limit (or would be, in shadow mode) nothing remains, whatever a larger cost left.
  const remaining = over || reply.body.wouldDeny === true ? 0 : Math.min(UINT32_MAX, reply.body.remaining);
  const unitSeconds = rule.unitSeconds;
  return {
    code: over ? 'OVER_LIMIT' : reply.statusCode === 200 ? 'OK' : 'UNKNOWN',
    current_limit: { name: rule.limitName, requests_per_unit: rule.requestsPerUnit, unit: PROTO_UNITS[rule.unit ?? 'second'] },
    limit_remaining: remaining,
    duration_until_reset: rule.alignedWindows ? { seconds: envoyResetSeconds({ unitSeconds, nowSeconds }), nanos: 0 } : toDuration(reply.body.resetSeconds),
  };
}

/**
 * The response to a request of a domain with imported rules, as envoyproxy/ratelimit forms it:
 * - a descriptor no rule counts (no match, a whitelist, a replaced rule) is OK with no current
 *   limit, 0 remaining and no reset; an unlimited one OK with 2^32 - 1 remaining;
 * - a counted one states its rule's `requests_per_unit`, unit and name; `limit_remaining` is what
 *   is left after this request (0 when over the limit, or when a shadow rule would deny);
 *   `duration_until_reset` is the time to the end of the unit for rules counted in aligned fixed
 *   windows (whole seconds from the clock, as there), else our algorithm's time until the quota is
 *   fully restored;
 * - shadow rules answer OK (CheckService already does), so they never make the request over limit;
 * - `overall_code` is OVER_LIMIT when any descriptor not in quota mode is, or when every
 *   quota-mode descriptor is;
 * - the contract's headers, for the headline decision, as for ordinary descriptors.
 * A fail-closed descriptor the store could not count, and no denial, throws RlsUnavailableError.
 */
export function formatImportedResponse(outcomes: readonly ImportedOutcome[], nowSeconds: number): RateLimitResponseMessage {
  const statuses: DescriptorStatusMessage[] = [];
  const replies: CheckReply[] = [];
  let overLimit = false;
  let quotaDescriptors = 0;
  let quotaOver = 0;
  let failClosed: CheckReply | undefined;
  let failClosedIndex = -1;
  outcomes.forEach((outcome, i) => {
    if (outcome.kind === 'none') statuses.push(NOT_LIMITED);
    else if (outcome.kind === 'unlimited') statuses.push(UNLIMITED);
    else {
      const status = statusOf(outcome, nowSeconds);
      statuses.push(status);
      replies.push(outcome.reply);
      if (outcome.rule.quotaMode) {
        quotaDescriptors += 1;
        if (status.code === 'OVER_LIMIT') quotaOver += 1;
      } else if (status.code === 'OVER_LIMIT') {
        overLimit = true;
      }
      if (outcome.reply.statusCode === 503 && failClosed === undefined) {
        failClosed = outcome.reply;
        failClosedIndex = i;
      }
    }
  });
  if (quotaDescriptors > 0 && quotaOver === quotaDescriptors) overLimit = true;
  if (!overLimit && failClosed !== undefined) {
    throw new RlsUnavailableError(`descriptors[${failClosedIndex}]: the counter store is unavailable and policy "${failClosed.body.policy.id}" fails closed`);
  }
  const headers = replies.length === 0 ? [] : Object.entries(headlineOf(replies, overLimit && replies.some((r) => r.statusCode === 429)).headers);
  return {
    overall_code: overLimit ? 'OVER_LIMIT' : 'OK',
    statuses,
    response_headers_to_add: headers.map(([key, value]) => ({ key, value })),
  };
}
