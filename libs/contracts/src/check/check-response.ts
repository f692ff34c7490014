import type { PolicyRef } from './policy-ref';

/**
 * Which rule selected the policy of a check: the customer's override, a policy naming the
 * customer, a route/method policy (of the customer's tier or of any tier), the tier's policy, the
 * configured default, or the request's inline limit.
 */
export const MATCHED_RULES = ['override', 'customer', 'tier-route', 'tier', 'default', 'inline'] as const;
export type MatchedRule = (typeof MATCHED_RULES)[number];

/**
 * `POST /v1/check` response body, on 200 (allowed), 429 (denied) and 503 (store down, fail-closed).
 * The headers carry the same numbers (see CONTRACT.md).
 */
export interface CheckResponse {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Seconds until the quota is fully restored. */
  readonly resetSeconds: number;
  /** 0 when allowed; otherwise seconds until the same request would be admitted. */
  readonly retryAfterSeconds: number;
  readonly policy: PolicyRef;
  readonly region: string;
  /** Present for shadow-mode policies: the request was counted but never denied. */
  readonly shadow?: true;
  /** With `shadow`: whether an enforcing policy would have denied it. */
  readonly wouldDeny?: boolean;
  /**
   * With `wouldDeny: true`: the limits an enforcing policy would have denied with, named as
   * `violated-policies` names them (for a stack, the limits that would deny). A shadow answer is
   * never a denial, so it carries no `violated-policies`.
   */
  readonly wouldViolate?: readonly string[];
  /** The regional store was unavailable; decided by the policy's failure mode. */
  readonly degraded?: true;
  /** The caller is blocked; no counter was consulted. */
  readonly blocked?: true;
  /**
   * The enforcer was past its in-flight cap and did not decide (503, `Retry-After`): the gateway
   * applies its own failure mode. Never a store failure, and never answered from local buckets.
   */
  readonly overloaded?: true;
  /**
   * Why a denial can never turn into an admission by waiting: `cost_exceeds_limit`, the request's
   * cost is above what the limit can ever admit (429 without `Retry-After`).
   */
  readonly reason?: 'cost_exceeds_limit';
  /**
   * On a 429 denial by a policy (not a block): the names of the limits that denied it, as
   * `RateLimit-Policy` names them (the policy id, or `<policy id>-<limit name>` for a limit of a
   * stacked policy). The IETF draft's problem-type member.
   */
  readonly 'violated-policies'?: readonly string[];
  /** The same names as `violated-policies`, under the name issue 16 gives them. */
  readonly violated?: readonly string[];
  /** The request was a dry run: nothing was consumed or recorded. */
  readonly dryRun?: true;
  /** With `dryRun`: which rule selected the policy. */
  readonly matched?: MatchedRule;
  /**
   * Names this decision. Set on every answer of the enforcer; settle it with `POST /v1/settle`
   * when it was recorded (`settle: true` in the request).
   */
  readonly decisionId?: string;
}
