import type { ConcurrencyPort } from '../concurrency/concurrency-port';
import type { SettlementPort } from '../settle/settlement-port';
import type { DecisionStore, StoreRequest } from '../store-port';

/**
 * The counter store and what operating it takes: a health probe and a way to close it. The one
 * seam between the decision pipeline and its backend: the pipeline sees only `store`.
 *
 * `store.decide` rejects with a StoreError (@rl/redis-store) when the store cannot decide; the
 * pipeline then applies the policy's failure mode. Any other rejection is a bug.
 */
export abstract class StoreBackend {
  /** Every kind of decision, regional and global, through one chain (hot keys, tiers, breakers, batches). */
  abstract readonly store: DecisionStore;
  /** Decision records and settles on the store of the counters; undefined when the backend keeps none. */
  readonly settlement: SettlementPort | undefined = undefined;
  /** Concurrency leases on the store of the counters; undefined when the backend keeps none. */
  readonly concurrency: ConcurrencyPort | undefined = undefined;
  /** A short label for logs and /readyz, e.g. `redis` or `memory`. */
  abstract readonly name: string;
  /** Resolves when the store answers; rejects with the reason otherwise. */
  abstract ping(): Promise<void>;
  /** Starts background work (connection, script loading). Never throws: a store that is down at boot is retried. */
  abstract start(): void;
  abstract close(): Promise<void>;
  /**
   * Notes one request the pipeline admitted from its local bucket because `store` failed, as the
   * store would have seen it. A store that can take it back later (Redis) writes it back when it
   * returns, so the usage still counts; it must not block or throw.
   */
  abstract recordDegradedAdmit(request: StoreRequest): void;
  /**
   * The policies changed (the policy source published a snapshot): anything the store remembers
   * about decisions under the old ones (the deny cache, hot-key leases) must go. Must not block.
   */
  policiesChanged(): void {
    // Nothing is remembered by default.
  }

  /** What this instance holds for counter `key` besides the store: unspent leased units and a remembered denial. */
  describeKey(key: string): { leaseUnits: number; denyCached: boolean } {
    void key;
    return { leaseUnits: 0, denyCached: false };
  }

  /**
   * An operator reset one counter: delete `keys` (all of that counter's keys) from the store, and
   * forget whatever this instance remembers of them (lease, denial). Rejects if the store could
   * not delete them.
   */
  abstract resetCounter(keys: readonly string[]): Promise<void>;
}
