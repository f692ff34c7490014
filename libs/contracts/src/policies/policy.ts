import type { EnvoyRule } from './envoy-rule';
import type { EscalationSettings } from './escalation-settings';
import type { FailureMode } from './failure-mode';
import type { ConcurrencyAlgorithm, PolicyAlgorithm } from './policy-algorithm';
import type { PolicyMatch } from './policy-match';
import type { PolicyLimit } from './policy-limit';
import type { PolicyMode } from './policy-mode';
import type { PolicyScope } from './policy-scope';

/** A versioned rate-limit policy (CONTRACT.md, "Policies"). */
export interface Policy {
  /** Slug, [a-z0-9-]{1,64}. */
  readonly id: string;
  readonly match: PolicyMatch;
  /** A rate algorithm, or `concurrency` (requests in flight, with `leaseSeconds`). */
  readonly algorithm: PolicyAlgorithm | ConcurrencyAlgorithm;
  readonly limit: number;
  readonly windowSeconds: number;
  /** Bucket capacity for token bucket, GCRA and leaky bucket; the window algorithms ignore it. */
  readonly burst: number;
  readonly scope: PolicyScope;
  readonly failureMode: FailureMode;
  readonly mode: PolicyMode;
  /** Assigned by the policy service; starts at 1. */
  readonly version: number;
  /**
   * Set exactly when `match.envoy` is: the envoyproxy/ratelimit settings of an imported rule. Its
   * `limit` is then `requests_per_unit` (0 denies everything) and `windowSeconds` the unit's
   * length, or both 0 (and `burst` 0) for a rule that is `unlimited` or has no rate limit.
   */
  readonly envoy?: EnvoyRule;
  /**
   * Set exactly when `algorithm` is `concurrency`: seconds after which a lease not released
   * expires (a crashed caller frees its slot). `windowSeconds` then equals it.
   */
  readonly leaseSeconds?: number;
  /** Automatic blocks caused by this policy's denials; absent: the enforcer's defaults. */
  readonly escalation?: EscalationSettings;
  /**
   * Stacked limits, decided all or nothing (regional policies only). `limit`, `windowSeconds` and
   * `burst` then describe the limit with the shortest window (a calendar window by its nominal
   * length), the one single-limit readers see.
   */
  readonly limits?: readonly PolicyLimit[];
}
