import type { PipelineMetrics, StoreFailureKind, WriteBackOutcome } from '../metrics';
import type { BreakerState } from '../resilience/circuit-breaker';

/** PipelineMetrics that keep counts in memory, for tests and benchmarks that run the pipeline without Prometheus. */
export class CountingMetrics implements PipelineMetrics {
  readonly breakerStates = new Map<string, BreakerState>();
  readonly storeFailures: Record<StoreFailureKind, number> = { timeout: 0, unavailable: 0, circuit_open: 0 };
  readonly writeBack: Record<WriteBackOutcome, number> = { written: 0, refused: 0, failed: 0, dropped: 0 };
  readonly batches: number[] = [];
  leaseHits = 0;
  leaseAcquisitions = 0;
  leaseReturns = 0;
  denyCacheHits = 0;

  setBreakerState(store: string, state: BreakerState): void {
    this.breakerStates.set(store, state);
  }

  recordWriteBack(outcome: WriteBackOutcome, units: number): void {
    this.writeBack[outcome] += units;
  }

  recordStoreFailure(kind: StoreFailureKind): void {
    this.storeFailures[kind] += 1;
  }

  recordBatch(decisions: number): void {
    this.batches.push(decisions);
  }

  recordLeaseHit(): void {
    this.leaseHits += 1;
  }

  recordLeaseAcquisition(): void {
    this.leaseAcquisitions += 1;
  }

  recordLeaseReturn(_outcome: string, units: number): void {
    this.leaseReturns += units;
  }

  recordDenyCacheHit(): void {
    this.denyCacheHits += 1;
  }
}
