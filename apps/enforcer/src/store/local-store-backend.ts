import { LocalLimiter, systemClock, type Clock, type CounterStore, type GlobalWindowStore, type LimitRequest } from '@rl/limiter-core';
import { LocalGlobalWindowStore } from '../global/global-window-stores';
import { StoreBackend } from './store-backend';

/** An in-process store (LocalLimiter, or any CounterStore): for tests and single-instance experiments. */
export class LocalStoreBackend extends StoreBackend {
  readonly name: string = 'memory';
  readonly store: CounterStore;
  readonly globalStore: GlobalWindowStore;

  constructor(options: { store?: CounterStore; clock?: Clock } = {}) {
    super();
    this.store = options.store ?? new LocalLimiter({ clock: options.clock ?? systemClock });
    this.globalStore = new LocalGlobalWindowStore({ clock: options.clock });
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

  recordDegradedAdmit(request: LimitRequest): void {
    // An in-process store does not fail, so nothing is ever admitted around it to write back.
    void request;
  }
}
