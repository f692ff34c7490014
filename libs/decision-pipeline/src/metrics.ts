import type { BreakerState } from './resilience/circuit-breaker';

export type LeaseAcquisitionOutcome = 'granted' | 'denied' | 'failed';
export type LeaseReturnOutcome = 'returned' | 'failed';

/** What became of usage admitted locally while the store was down. */
export type WriteBackOutcome = 'written' | 'refused' | 'failed' | 'dropped';

/** Why a decision could not be made by the store. */
export type StoreFailureKind = 'timeout' | 'unavailable' | 'circuit_open';

/** What the hot-key layer reports. No key ever becomes a label. */
export interface HotKeyMetrics {
  recordLeaseHit(): void;
  recordLeaseAcquisition(outcome: LeaseAcquisitionOutcome): void;
  recordLeaseReturn(outcome: LeaseReturnOutcome, units: number): void;
  recordDenyCacheHit(): void;
  /** A store call failed (a lease acquisition is a store call like a decision). */
  recordStoreFailure(kind: StoreFailureKind): void;
}

/**
 * Everything the pipeline reports; the enforcer implements it with Prometheus series. Called on
 * the hot path: implementations must not allocate per call beyond a counter increment.
 */
export interface PipelineMetrics extends HotKeyMetrics {
  setBreakerState(store: string, state: BreakerState): void;
  recordWriteBack(outcome: WriteBackOutcome, units: number): void;
  /** One store call carried `decisions` decisions (the batch size). */
  recordBatch(decisions: number): void;
}
