import type { CounterStore, LimitRequest } from '@rl/limiter-core';
import { StoreError } from '@rl/redis-store';

/** What the ledger holds for one counter key: the request as the store would see it, and units admitted locally. */
interface Entry {
  readonly request: LimitRequest;
  units: number;
}

export interface WriteBackResult {
  /** Units the store counted. */
  readonly written: number;
  /** Units the store refused because the counter was already full: nothing more to count. */
  readonly refused: number;
  /** Units not written because the store failed again; they are back in the ledger. */
  readonly failed: number;
}

export interface DegradedUsageLedgerOptions {
  /** Counter keys held at most; beyond it the oldest key is dropped (and reported). */
  readonly maxKeys: number;
  /** Called with the units of a dropped key. */
  readonly onDrop?: (units: number) => void;
}

/** Keys written back at once; each key's units are written in order. */
const WRITE_BACK_CONCURRENCY = 16;

/**
 * Usage admitted from local buckets while the counter store was down, per counter key, so it can
 * be written back when the store returns and still count against the limit.
 *
 * Bounded: at most `maxKeys` keys, oldest dropped first. A key's units are capped at what its
 * counter can hold (limit + burst): more could not change any later decision.
 *
 * Write-back reuses the algorithm scripts (no admit-free debit script): first one call with the
 * whole cost; if the counter cannot take it all, one unit at a time until the store refuses, at
 * which point the counter is full and the rest would change nothing. A unit admitted locally after
 * a primary timeout may already have been counted by the script that timed out; the write-back
 * can count such a unit twice (never more).
 */
export class DegradedUsageLedger {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: DegradedUsageLedgerOptions) {}

  get size(): number {
    return this.entries.size;
  }

  record(request: LimitRequest): void {
    const cap = request.limit + request.burst;
    const entry = this.entries.get(request.key);
    if (entry !== undefined) {
      entry.units = Math.min(cap, entry.units + request.cost);
      return;
    }
    if (this.entries.size >= this.options.maxKeys) this.dropOldest();
    this.entries.set(request.key, { request, units: Math.min(cap, request.cost) });
  }

  /** Writes every held key into `store` and empties the ledger; what fails again is kept for the next time. */
  async writeBack(store: CounterStore): Promise<WriteBackResult> {
    const batch = [...this.entries.values()];
    this.entries.clear();
    const totals = { written: 0, refused: 0, failed: 0 };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batch.length) {
        const entry = batch[next++];
        if (entry === undefined) return;
        const result = await writeOne(store, entry);
        totals.written += result.written;
        totals.refused += result.refused;
        totals.failed += result.failed;
        if (result.failed > 0) this.record({ ...entry.request, cost: result.failed });
      }
    };
    await Promise.all(Array.from({ length: Math.min(WRITE_BACK_CONCURRENCY, batch.length) }, worker));
    return totals;
  }

  private dropOldest(): void {
    for (const [key, entry] of this.entries) {
      this.entries.delete(key);
      this.options.onDrop?.(entry.units);
      return;
    }
  }
}

async function writeOne(store: CounterStore, entry: Entry): Promise<WriteBackResult> {
  let left = entry.units;
  let written = 0;
  try {
    const whole = await store.decide({ ...entry.request, cost: left });
    if (whole.allowed) return { written: left, refused: 0, failed: 0 };
    const unit = { ...entry.request, cost: 1 };
    while (left > 0) {
      const decision = await store.decide(unit);
      if (!decision.allowed) break;
      left -= 1;
      written += 1;
    }
    return { written, refused: left, failed: 0 };
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    return { written, refused: 0, failed: left };
  }
}
