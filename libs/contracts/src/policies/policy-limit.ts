import type { CalendarWindow } from './calendar-window';
import type { PolicyAlgorithm } from './policy-algorithm';
import type { PolicyScope } from './policy-scope';

/**
 * One limit of a stacked policy (`"limits": [...]`): every limit must admit a request, which then
 * takes its cost from all of them, or from none when any denies. As validated and stored, with
 * the defaults filled: `algorithm` (the policy's; `fixed_window` for a calendar window), `burst`
 * (= `limit`) and, for a calendar window, `timeZone` (`UTC`).
 */
export interface PolicyLimit {
  /** Slug, [a-z0-9-]{1,32}, unique in the policy; headers name the limit `<policy id>-<name>`. */
  readonly name: string;
  readonly limit: number;
  readonly algorithm: PolicyAlgorithm;
  readonly burst: number;
  /** A window of this many seconds; exactly one of `windowSeconds` and `window`. */
  readonly windowSeconds?: number;
  /** A calendar window in `timeZone`, resetting at local midnight (DST included). */
  readonly window?: CalendarWindow;
  /** IANA time zone of a calendar window. */
  readonly timeZone?: string;
  /**
   * `global`: one limit shared by all regions, counted like a global policy (epoch-aligned windows,
   * this region's share from the reconciler; a calendar window in its zone's bounds, the same in
   * every region). Absent: the policy's `scope` (see limitScope).
   */
  readonly scope?: PolicyScope;
}

/** The scope a stacked limit is counted in: its own, else its policy's. */
export function limitScope(policy: { readonly scope: PolicyScope }, limit: Pick<PolicyLimit, 'scope'>): PolicyScope {
  return limit.scope ?? policy.scope;
}

export const POLICY_LIMIT_BOUNDS = {
  /** Limits per policy at most: each is one more counter read and written per decision. */
  maxLimits: 8,
} as const;
