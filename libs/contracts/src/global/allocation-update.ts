/**
 * Allocations for one region (subject `<ns>.global.allocations.<region>`, JetStream).
 * `allocation` is the most requests the region may admit in the WHOLE window (cumulative).
 * Per key, an enforcer keeps the epoch it holds and ignores an update whose epoch is <= it.
 * Only changed allocations need to be sent; large updates are split into several messages.
 */
export interface AllocationUpdate {
  readonly schema: 1;
  /** Monotonic across reconciler restarts and leader changes. */
  readonly epoch: number;
  readonly region: string;
  readonly issuedAtMs: number;
  /** Region lease: how long the reconciler considers the allocation current without hearing from the region. */
  readonly leaseSeconds: number;
  readonly windows: readonly AllocationWindow[];
}

export interface AllocationWindow {
  readonly policyId: string;
  readonly windowStartMs: number;
  readonly windowSeconds: number;
  readonly limit: number;
  /** [identity, allocation]. */
  readonly keys: readonly AllocationKey[];
}

export type AllocationKey = readonly [identity: string, allocation: number];
