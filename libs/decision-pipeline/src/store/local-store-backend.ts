import type { Clock } from '@rl/limiter-core';
import type { ConcurrencyPort } from '../concurrency/concurrency-port';
import type { SettlementPort } from '../settle/settlement-port';
import type { DecisionStore, StoreRequest } from '../store-port';
import { MemoryDecisionStore } from './memory-decision-store';
import { StoreBackend } from './store-backend';

/** An in-process store (MemoryDecisionStore, or any DecisionStore): for tests and single-instance experiments. */
export class LocalStoreBackend extends StoreBackend {
  readonly name: string = 'memory';
  readonly store: DecisionStore;
  /** The MemoryDecisionStore's own records and settles; none for any other store. */
  override readonly settlement: SettlementPort | undefined;
  override readonly concurrency: ConcurrencyPort | undefined;

  constructor(options: { store?: DecisionStore; clock?: Clock } = {}) {
    super();
    this.store = options.store ?? new MemoryDecisionStore({ clock: options.clock });
    this.settlement = this.store instanceof MemoryDecisionStore ? this.store : undefined;
    this.concurrency = this.store instanceof MemoryDecisionStore ? this.store : undefined;
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  start(): void {
    // Nothing to connect.
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** An in-process store keeps no per-key state this backend can delete from outside; a test store may (MemoryDecisionStore.forget). */
  resetCounter(keys: readonly string[]): Promise<void> {
    if (this.store instanceof MemoryDecisionStore) for (const key of keys) this.store.forget(key);
    return Promise.resolve();
  }

  recordDegradedAdmit(request: StoreRequest): void {
    // An in-process store does not fail, so nothing is ever admitted around it to write back.
    void request;
  }
}
