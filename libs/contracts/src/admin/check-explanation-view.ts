import type { CheckResponse } from '../check/check-response';

/** The rate-limit headers of a check answer that `POST /v1/counters/explain` passes on, lower-case. */
export const EXPLAINED_HEADER_NAMES = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'ratelimit-policy', 'ratelimit', 'retry-after'] as const;

/**
 * `POST /v1/counters/explain`: what one region's enforcer answered to the check as a dry run,
 * exactly as a real check would be answered, with nothing consumed.
 */
export interface CheckExplanationView {
  readonly region: string;
  /** The status a real check would get: 200, 429 or 503. */
  readonly status: number;
  /** Those of EXPLAINED_HEADER_NAMES the enforcer sent. */
  readonly headers: Readonly<Record<string, string>>;
  /** The enforcer's body, with `dryRun: true` and `matched` (the rule that selected the policy). */
  readonly decision: CheckResponse;
}
