import type { GlobalWindowStore } from '@rl/limiter-core';
import { StoreError } from '@rl/redis-store';
import type { WriteBackResult } from '../resilience/degraded-usage-ledger';

/** Units of one global key admitted locally in one window while the store was down. */
export interface DegradedGlobalAdmit {
  /** The region's count key (buildGlobalCounterKey). */
  readonly key: string;
  readonly windowMs: number;
  readonly windowStartMs: number;
  readonly units: number;
}

interface Entry {
  readonly key: string;
  readonly windowMs: number;
  readonly windowStartMs: number;
  units: number;
}

/**
 * A cap no count reaches: written back, units are counted whatever the region's allocation, since
 * they were admitted already. A count above the cap then denies until the window ends, which is
 * what a region that overspent its share must do.
 */
const UNCAPPED = Number.MAX_SAFE_INTEGER;
const WRITE_BACK_CONCURRENCY = 16;

/**
 * Units of global policies admitted from local buckets while the counter store was down, per
 * count key and window, written into the region's count when the store returns. Without it, the
 * region's count would miss them and it could admit its whole cap again in the same window, so
 * the regions together could exceed the global limit by what was admitted degraded. (The usage
 * reports already include these units, so the reconciler's view was right all along.)
 *
 * Units of a window that has ended by then are dropped as `refused`: that count has expired and
 * nothing can spend against it any more. Bounded: `maxKeys` (key, window) entries, oldest dropped.
 */
export class DegradedGlobalLedger {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: { readonly maxKeys: number; readonly onDrop?: (units: number) => void }) {}

  get size(): number {
    return this.entries.size;
  }

  record(admit: DegradedGlobalAdmit): void {
    const id = `${admit.key}\u0000${admit.windowStartMs}`;
    const entry = this.entries.get(id);
    if (entry !== undefined) {
      entry.units += admit.units;
      return;
    }
    if (this.entries.size >= this.options.maxKeys) this.dropOldest();
    this.entries.set(id, { key: admit.key, windowMs: admit.windowMs, windowStartMs: admit.windowStartMs, units: admit.units });
  }

  /** Adds every held entry to its count in `store` and empties the ledger; what fails again is kept. */
  async writeBack(store: GlobalWindowStore, nowMs: number): Promise<WriteBackResult> {
    const batch = [...this.entries.values()];
    this.entries.clear();
    const totals = { written: 0, refused: 0, failed: 0 };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batch.length) {
        const entry = batch[next++];
        if (entry.windowStartMs + entry.windowMs <= nowMs) {
          totals.refused += entry.units;
          continue;
        }
        try {
          const decision = await store.decideGlobal({ algorithm: 'global_window', key: entry.key, cap: UNCAPPED, cost: entry.units, windowMs: entry.windowMs, expectedStartMs: entry.windowStartMs });
          // Not matched: the store's clock is already in the next window, where these units do not count.
          if (decision.matched && decision.allowed) totals.written += entry.units;
          else totals.refused += entry.units;
        } catch (error) {
          if (!(error instanceof StoreError)) throw error;
          totals.failed += entry.units;
          this.record(entry);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(WRITE_BACK_CONCURRENCY, batch.length) }, worker));
    return totals;
  }

  private dropOldest(): void {
    for (const [id, entry] of this.entries) {
      this.entries.delete(id);
      this.options.onDrop?.(entry.units);
      return;
    }
  }
}
