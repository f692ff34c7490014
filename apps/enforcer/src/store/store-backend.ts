import type { CounterStore, GlobalWindowStore, LimitRequest } from '@rl/limiter-core';
import type { DegradedGlobalAdmit } from '../global/degraded-global-ledger';

/**
 * The counter store and what operating it takes: a health probe and a way to close it. The one
 * seam between the enforcer and its backend: the check path sees only `store`.
 *
 * `store.decide` rejects with a StoreError (@rl/redis-store) when the store cannot decide; the
 * check path then applies the policy's failure mode. Any other rejection is a bug.
 */
export abstract class StoreBackend {
  abstract readonly store: CounterStore;
  /** Decisions of global policies (src/global), over the same connections and breakers as `store`. */
  abstract readonly globalStore: GlobalWindowStore;
  /** A short label for logs and /readyz, e.g. `redis` or `memory`. */
  abstract readonly name: string;
  /** Resolves when the store answers; rejects with the reason otherwise. */
  abstract ping(): Promise<void>;
  /** Starts background work (connection, script loading). Never throws: a store that is down at boot is retried. */
  abstract start(): void;
  abstract close(): Promise<void>;
  /**
   * Notes one request the check path admitted from its local bucket because `store` failed, with
   * the policy's full limits. A store that can take it back later (Redis) writes it back when it
   * returns, so the usage still counts; it must not block or throw.
   */
  abstract recordDegradedAdmit(request: LimitRequest): void;
  /**
   * The same for a global policy: units admitted from the local bucket in one window, to be added
   * to the region's count when the store returns. A store that cannot take them back ignores them.
   */
  recordDegradedGlobalAdmit(admit: DegradedGlobalAdmit): void {
    void admit;
  }
  /**
   * The policies changed (the policy source published a snapshot): anything the store remembers
   * about decisions under the old ones (the deny cache, hot-key leases) must go. Must not block.
   */
  policiesChanged(): void {
    // Nothing is remembered by default.
  }
}
