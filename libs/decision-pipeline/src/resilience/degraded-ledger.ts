import { GenerationalCache, type GlobalWindowRequest, type LimitRequest, type StackedRequest, StoreError } from '@rl/limiter-core';
import { isGlobalRequest, type DecisionStore, type StoreRequest } from '../store-port';

/** What the ledger holds for one counter (and, for a global key, one window): the request as the store would see it, and units admitted locally. */
interface Entry {
  readonly request: StoreRequest;
  units: number;
}

export interface WriteBackResult {
  /** Units the store counted. */
  readonly written: number;
  /** Units the store refused because the counter was already full, or whose window has ended: nothing more to count. */
  readonly refused: number;
  /** Units not written because the store failed again; they are back in the ledger. */
  readonly failed: number;
}

export interface DegradedLedgerOptions {
  /** Entries held at most; beyond it the least recently used are dropped (and reported). */
  readonly maxKeys: number;
  /** Called with the units of each dropped entry. */
  readonly onDrop?: (units: number) => void;
}

/** Keys written back at once; each key's units are written in order. */
const WRITE_BACK_CONCURRENCY = 16;

/**
 * A cap no count reaches: global units are written back whatever the region's allocation, since
 * they were admitted already. A count above the cap then denies until the window ends, which is
 * what a region that overspent its share must do.
 */
const UNCAPPED = Number.MAX_SAFE_INTEGER;

/**
 * Usage admitted from local buckets while the counter store was down, so it can be written back
 * when the store returns and still count against the limit. One ledger for every kind of decision:
 *
 * - a regional counter's units are capped at what it can hold (limit + burst): more could not
 *   change any later decision. A stack is one entry, capped at what its smallest regional limit can
 *   hold (its global limits uncapped, as a global key's units), and written back through the
 *   stacked script (all or nothing, like the decisions it stands for). They are written back through the algorithm's own script: first
 *   one call with the whole cost; if the counter cannot take it all, one unit at a time until the
 *   store refuses, at which point the counter is full and the rest would change nothing;
 * - a global key's units are held per window and added to the region's count uncapped (the usage
 *   reports already included them, so the reconciler's view was right all along). Units of a
 *   window that has ended by then are refused: that count has expired.
 *
 * A unit admitted locally after a primary timeout may already have been counted by the script
 * that timed out; the write-back can count such a unit twice (never more).
 *
 * Bounded: at most `maxKeys` entries, least recently used dropped first (GenerationalCache, no
 * scan per eviction), each drop reported through `onDrop`.
 */
export class DegradedLedger {
  private readonly entries: GenerationalCache<Entry>;

  constructor(options: DegradedLedgerOptions) {
    this.entries = new GenerationalCache<Entry>(Math.max(1, options.maxKeys), (entry) => options.onDrop?.(entry.units));
  }

  get size(): number {
    return this.entries.size;
  }

  record(request: StoreRequest): void {
    if (isGlobalRequest(request)) this.recordGlobal(request);
    else this.recordLimit(request);
  }

  /** Writes every held entry into `store` and empties the ledger; what fails again is kept for the next time. */
  async writeBack(store: DecisionStore, nowMs: number): Promise<WriteBackResult> {
    const batch = [...this.entries.entries()].map(([, entry]) => entry);
    this.entries.clear();
    const totals = { written: 0, refused: 0, failed: 0 };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batch.length) {
        const entry = batch[next++];
        const result = isGlobalRequest(entry.request) ? await writeGlobal(store, entry.request, entry.units, nowMs) : await writeLimit(store, entry.request, entry.units);
        totals.written += result.written;
        totals.refused += result.refused;
        totals.failed += result.failed;
        if (result.failed > 0) this.keep(entry.request, result.failed);
      }
    };
    await Promise.all(Array.from({ length: Math.min(WRITE_BACK_CONCURRENCY, batch.length) }, worker));
    return totals;
  }

  private recordLimit(admitted: LimitRequest | StackedRequest): void {
    const request = admitted.algorithm === 'stacked' ? uncappedGlobalLimits(admitted) : admitted;
    const cap = request.algorithm === 'stacked' ? Math.min(...request.limits.map((limit) => limit.limit + limit.burst)) : request.limit + request.burst;
    const entry = this.entries.get(request.key);
    if (entry !== undefined) entry.units = Math.min(cap, entry.units + request.cost);
    else this.entries.set(request.key, { request, units: Math.min(cap, request.cost) });
  }

  private recordGlobal(request: GlobalWindowRequest): void {
    const id = `${request.key}\u0000${request.expectedStartMs}`;
    const entry = this.entries.get(id);
    if (entry !== undefined) entry.units += request.cost;
    else this.entries.set(id, { request, units: request.cost });
  }

  private keep(request: StoreRequest, units: number): void {
    this.record({ ...request, cost: units });
  }
}

/**
 * A stack whose global limits take any count (as a global key's units are written back: see
 * UNCAPPED); they still count in the window they were admitted for, and a window that has ended
 * by then denies, so the stack's units are refused.
 */
function uncappedGlobalLimits(request: StackedRequest): StackedRequest {
  if (!request.limits.some((limit) => limit.global !== undefined)) return request;
  return { ...request, limits: request.limits.map((limit) => (limit.global === undefined ? limit : { ...limit, limit: UNCAPPED, burst: UNCAPPED })) };
}

async function writeLimit(store: DecisionStore, request: LimitRequest | StackedRequest, units: number): Promise<WriteBackResult> {
  let left = units;
  let written = 0;
  try {
    const whole = await store.decide({ ...request, cost: left });
    if (whole.allowed) return { written: left, refused: 0, failed: 0 };
    const unit = { ...request, cost: 1 };
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

async function writeGlobal(store: DecisionStore, request: GlobalWindowRequest, units: number, nowMs: number): Promise<WriteBackResult> {
  if (request.expectedStartMs + request.windowMs <= nowMs) return { written: 0, refused: units, failed: 0 };
  try {
    const decision = await store.decide({ ...request, cap: UNCAPPED, cost: units });
    // Not matched: the store's clock is already in the next window, where these units do not count.
    if (decision.matched && decision.allowed) return { written: units, refused: 0, failed: 0 };
    return { written: 0, refused: units, failed: 0 };
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    return { written: 0, refused: 0, failed: units };
  }
}
