/**
 * Per-key request rates over a bounded set of keys, for hot-key detection.
 *
 * Each key keeps the counts of the current and the previous aligned interval; its rate is the
 * sliding-window estimate `previous × (unelapsed share) + current` per interval, in units per
 * second. Time is injected (integer microseconds), so tests pin exact rates.
 *
 * Memory is bounded: at most `maxKeys` keys (2 when maxKeys is 1), in two generations of at most
 * maxKeys / 2 each.
 * New keys go into the current generation; when it is full it becomes the old one and the old one
 * is dropped whole. A key found in the old generation moves to the current one. So a key noted at
 * least once per maxKeys / 2 new keys survives any flood of distinct keys; a dropped key only loses
 * its estimate (it is served as a cold key).
 *
 * Why generations rather than evicting the oldest entry of one Map: V8 leaves a deleted Map entry
 * in place until the table is rehashed, and finding the oldest live entry scans over them. Under
 * a flood of new keys (one eviction per request) that scan took ~10% of the enforcer's CPU.
 * Dropping a whole generation frees it in one step and nothing is ever scanned.
 */
export interface RateEstimatorOptions {
  readonly maxKeys: number;
  /** Length of one counting interval, microseconds. */
  readonly intervalUs: number;
}

interface RateEntry {
  start: number;
  previous: number;
  current: number;
}

export class RateEstimator {
  private current = new Map<string, RateEntry>();
  private old = new Map<string, RateEntry>();
  private readonly generationSize: number;

  constructor(private readonly options: RateEstimatorOptions) {
    if (!(options.maxKeys >= 1) || !(options.intervalUs >= 1)) throw new RangeError('RateEstimator needs maxKeys >= 1 and intervalUs >= 1');
    this.generationSize = Math.max(1, Math.floor(options.maxKeys / 2));
  }

  /** Counts `units` for `key` at `now` and returns the key's rate (units per second) including them. */
  note(key: string, units: number, now: number): number {
    const { intervalUs } = this.options;
    const start = now - (now % intervalUs);
    let entry = this.find(key);
    if (entry === undefined) {
      entry = { start, previous: 0, current: 0 };
      this.insert(key, entry);
    } else if (entry.start !== start) {
      entry.previous = start - entry.start === intervalUs ? entry.current : 0;
      entry.current = 0;
      entry.start = start;
    }
    entry.current += units;
    return rateOf(entry, now, intervalUs);
  }

  /** The key's current rate (units per second) without counting anything; 0 for an unknown key. */
  rate(key: string, now: number): number {
    const entry = this.current.get(key) ?? this.old.get(key);
    if (entry === undefined) return 0;
    const { intervalUs } = this.options;
    const start = now - (now % intervalUs);
    if (start === entry.start) return rateOf(entry, now, intervalUs);
    if (start - entry.start === intervalUs) return rateOf({ start, previous: entry.current, current: 0 }, now, intervalUs);
    return 0;
  }

  get size(): number {
    return this.current.size + this.old.size;
  }

  clear(): void {
    this.current.clear();
    this.old.clear();
  }

  /** The key's entry, moved into the current generation if it was in the old one. */
  private find(key: string): RateEntry | undefined {
    const entry = this.current.get(key);
    if (entry !== undefined) return entry;
    const aging = this.old.get(key);
    if (aging !== undefined) {
      this.old.delete(key);
      this.insert(key, aging);
    }
    return aging;
  }

  private insert(key: string, entry: RateEntry): void {
    if (this.current.size >= this.generationSize) {
      this.old = this.current;
      this.current = new Map();
    }
    this.current.set(key, entry);
  }
}

function rateOf(entry: RateEntry, now: number, intervalUs: number): number {
  const unelapsed = (intervalUs - (now - entry.start)) / intervalUs;
  return ((entry.previous * unelapsed + entry.current) * 1_000_000) / intervalUs;
}
