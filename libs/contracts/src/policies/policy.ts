import type { EscalationSettings } from './escalation-settings';
import type { FailureMode } from './failure-mode';
import type { PolicyAlgorithm } from './policy-algorithm';
import type { PolicyMatch } from './policy-match';
import type { PolicyMode } from './policy-mode';
import type { PolicyScope } from './policy-scope';

/** A versioned rate-limit policy (CONTRACT.md, "Policies"). */
export interface Policy {
  /** Slug, [a-z0-9-]{1,64}. */
  readonly id: string;
  readonly match: PolicyMatch;
  readonly algorithm: PolicyAlgorithm;
  readonly limit: number;
  readonly windowSeconds: number;
  /** Bucket capacity for token bucket, GCRA and leaky bucket; the window algorithms ignore it. */
  readonly burst: number;
  readonly scope: PolicyScope;
  readonly failureMode: FailureMode;
  readonly mode: PolicyMode;
  /** Assigned by the policy service; starts at 1. */
  readonly version: number;
  /** Automatic blocks caused by this policy's denials; absent: the enforcer's defaults. */
  readonly escalation?: EscalationSettings;
}
