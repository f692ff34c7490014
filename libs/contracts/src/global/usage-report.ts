/**
 * One enforcer instance's usage of global policies (subject `<ns>.global.usage.<region>`).
 * Counts are ABSOLUTE per (instance, policy, identity, window), never deltas: a duplicate or a
 * redelivery changes nothing, and the reconciler keeps the entry from the highest `sequence`.
 */
export interface UsageReport {
  readonly schema: 1;
  readonly region: string;
  readonly instanceId: string;
  /** Monotonic per instance (restart: start above the last one, e.g. from the clock). */
  readonly sequence: number;
  readonly sentAtMs: number;
  /** Highest allocation epoch this instance has applied (its acknowledgement). */
  readonly appliedEpoch: number;
  readonly windows: readonly UsageWindow[];
}

export interface UsageWindow {
  readonly policyId: string;
  /** floor(nowMs / windowMs) * windowMs: the same aligned window in every region. */
  readonly windowStartMs: number;
  readonly windowSeconds: number;
  /** The policy's global limit per window. */
  readonly limit: number;
  /** [identity, admitted, denied]: this instance's absolute counts in this window. */
  readonly keys: readonly UsageKey[];
}

export type UsageKey = readonly [identity: string, admitted: number, denied: number];
