import type { Clock } from '@rl/limiter-core';
import type { DecisionStore, StoreRequest } from '../store-port';
import { MemoryDecisionStore } from './memory-decision-store';
import { StoreBackend } from './store-backend';

/** An in-process store (MemoryDecisionStore, or any DecisionStore): for tests and single-instance experiments. */
export class LocalStoreBackend extends StoreBackend {
  readonly name: string = 'memory';
  readonly store: DecisionStore;

  constructor(options: { store?: DecisionStore; clock?: Clock } = {}) {
    super();
    this.store = options.store ?? new MemoryDecisionStore({ clock: options.clock });
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

  recordDegradedAdmit(request: StoreRequest): void {
    // An in-process store does not fail, so nothing is ever admitted around it to write back.
    void request;
  }
}
