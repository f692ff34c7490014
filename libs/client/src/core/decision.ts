import type { PolicyRef } from '@rl/contracts';

/** Why a decision was not made by a counter store that answered. */
export type DegradedReason = 'unreachable' | 'timeout' | 'server-error' | 'bad-response' | 'overloaded' | 'store-failure';

/**
 * One rate-limit decision as the client hands it to adapters: the enforcer's CheckResponse
 * (CONTRACT.md) plus what the headers need. The same shape in remote and library mode.
 */
export interface RateLimitDecision {
  /** 200 allowed, 429 denied (or blocked), 503 denied because the limiter is down and fails closed. */
  readonly statusCode: 200 | 429 | 503;
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Seconds until the quota is fully restored. */
  readonly resetSeconds: number;
  /** 0 when allowed; otherwise seconds until the same request would be admitted. */
  readonly retryAfterSeconds: number;
  readonly policy: PolicyRef;
  /**
   * The policy's window in seconds, for `RateLimit-Policy`. Undefined when nobody knows it: a
   * degraded decision made without a known limit. Then only `Retry-After` (on a denial) is sent.
   */
  readonly windowSeconds: number | undefined;
  /** Region of the enforcer that decided; `local` in library mode and for client-side fallbacks. */
  readonly region: string;
  /** The limiter (enforcer or store) was unavailable; decided by the failure mode. */
  readonly degraded?: true;
  /** With `degraded` on a client-side fallback: what went wrong. */
  readonly degradedReason?: DegradedReason;
  /** The caller is blocked by an operator or an automatic block. */
  readonly blocked?: true;
  /**
   * On a denial by a policy: the names of the limits that denied it, as the enforcer's
   * `violated-policies` gives them (the policy id, or `<policy id>-<limit name>`).
   */
  readonly violatedPolicies?: readonly string[];
  /**
   * A stacked policy's `RateLimit-Policy` and `RateLimit` lists as the enforcer sent them (one
   * item per limit): adapters pass them on, since the decision's own numbers describe only the
   * most constraining limit.
   */
  readonly limitLists?: { readonly policy: string; readonly rateLimit: string };
  /** Shadow-mode policy: counted, never denied. */
  readonly shadow?: true;
  readonly wouldDeny?: boolean;
  /** With `wouldDeny`: the limits an enforcing policy would have denied with (`violatedPolicies`' names). */
  readonly wouldViolate?: readonly string[];
  /** The enforcer's id of this decision; settle it with `RateLimitClient.settle` when it was checked with `settle: true`. */
  readonly decisionId?: string;
  /** An admitted acquire (`RateLimitClient.acquire`): the lease to release when the request is done. */
  readonly leaseId?: string;
}

/**
 * What a settle did (`POST /v1/settle`): `settled` or `repeated` (an earlier settle applied, this
 * one changed nothing) with the counter's state; `unknown` (never recorded, or no decision id at
 * all), `expired` (its window is over) or `failed` (the enforcer did not answer, or answered
 * something else) with nothing changed or known.
 */
export type SettleResult =
  | { readonly status: 'settled' | 'repeated'; readonly remaining: number; readonly resetSeconds: number; readonly actualCost: number }
  | { readonly status: 'unknown' | 'expired' | 'failed' };

/** What the client does when it cannot get a decision: admit (flagged `degraded`) or deny with 503. */
export type ClientFailureMode = 'open' | 'closed';

/** The policy reference of decisions the client makes itself because the enforcer did not answer. */
export const CLIENT_FALLBACK_POLICY: PolicyRef = { id: 'client-fallback', version: 0 };

/** Seconds a fail-closed decision asks the caller to wait. */
export const FAIL_CLOSED_RETRY_SECONDS = 1;

/**
 * The decision the client makes itself when the limiter cannot decide. Fail-open admits, fail-closed
 * denies with 503 and `Retry-After: 1`; both are `degraded`. When the call carried an inline limit,
 * the numbers describe it, so the headers stay meaningful; otherwise no quota is claimed.
 */
export function fallbackDecision(input: {
  failureMode: ClientFailureMode;
  reason: DegradedReason;
  limit?: number;
  windowSeconds?: number;
}): RateLimitDecision {
  const open = input.failureMode === 'open';
  const known = input.limit !== undefined && input.windowSeconds !== undefined;
  return {
    statusCode: open ? 200 : 503,
    allowed: open,
    limit: known ? (input.limit as number) : 0,
    remaining: known && open ? (input.limit as number) : 0,
    resetSeconds: 0,
    retryAfterSeconds: open ? 0 : FAIL_CLOSED_RETRY_SECONDS,
    policy: CLIENT_FALLBACK_POLICY,
    windowSeconds: known ? input.windowSeconds : undefined,
    region: 'local',
    degraded: true,
    degradedReason: input.reason,
  };
}
