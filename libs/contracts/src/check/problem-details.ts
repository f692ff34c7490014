/**
 * Problem details (RFC 9457) for rate-limit denials, with the problem types of the IETF draft
 * draft-ietf-httpapi-ratelimit-headers-11 (section "Problem Types").
 */

/** Media type of a problem-details body. */
export const PROBLEM_JSON = 'application/problem+json';

/** The request exceeded one or more quota policies (429); `violated-policies` names them. */
export const QUOTA_EXCEEDED_PROBLEM_TYPE = 'https://iana.org/assignments/http-problem-types#quota-exceeded';

/** The server's capacity is temporarily reduced (503): here, the limiter is down and fails closed. */
export const TEMPORARY_REDUCED_CAPACITY_PROBLEM_TYPE = 'https://iana.org/assignments/http-problem-types#temporary-reduced-capacity';

export const PROBLEM_TITLES = {
  quotaExceeded: 'Request cannot be satisfied as the assigned quota has been exceeded',
  temporaryReducedCapacity: 'Request cannot be satisfied due to temporarily reduced capacity',
} as const;

/** The problem-details members of a denial; the decision's own fields sit beside them as extension members. */
export interface RateLimitProblem {
  readonly type: typeof QUOTA_EXCEEDED_PROBLEM_TYPE | typeof TEMPORARY_REDUCED_CAPACITY_PROBLEM_TYPE;
  readonly title: string;
  readonly status: number;
  /** With `quota-exceeded`: the names of the policies (or limits, `<policy id>-<limit name>`) that denied. */
  readonly 'violated-policies'?: readonly string[];
}

/**
 * The problem of a denial with `status`: 503 is `temporary-reduced-capacity` (the limiter is
 * down and fails closed, or overloaded), anything else `quota-exceeded` naming `violated`.
 */
export function rateLimitProblem(input: { status: number; violated: readonly string[] }): RateLimitProblem {
  if (input.status === 503) {
    return { type: TEMPORARY_REDUCED_CAPACITY_PROBLEM_TYPE, title: PROBLEM_TITLES.temporaryReducedCapacity, status: 503 };
  }
  return { type: QUOTA_EXCEEDED_PROBLEM_TYPE, title: PROBLEM_TITLES.quotaExceeded, status: input.status, 'violated-policies': input.violated };
}
