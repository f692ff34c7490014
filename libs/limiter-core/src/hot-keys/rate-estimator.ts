/**
 * Per-key request rates over a bounded set of keys, for hot-key detection.
 *
 * Each key keeps the counts of the current and the previous aligned interval; its rate is the
 * sliding-window estimate `previous × (unelapsed share) + current` per interval, in units per
 * second. Time is injected (integer microseconds), so tests pin exact rates.
 *
 * Memory is bounded: at most `maxKeys` keys. Beyond that the key whose position is oldest is
 * dropped. A key moves to the newest position each time its interval rolls over, so a key that is
 * busy in every interval survives a flood of distinct keys unless more than `maxKeys` new keys
 * arrive within one interval; a dropped key only loses its estimate (it is served as a cold key).
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
  private readonly entries = new Map<string, RateEntry>();

  constructor(private readonly options: RateEstimatorOptions) {
    if (!(options.maxKeys >= 1) || !(options.intervalUs >= 1)) throw new RangeError('RateEstimator needs maxKeys >= 1 and intervalUs >= 1');
  }

  /** Counts `units` for `key` at `now` and returns the key's rate (units per second) including them. */
  note(key: string, units: number, now: number): number {
    const { intervalUs } = this.options;
    const start = now - (now % intervalUs);
    let entry = this.entries.get(key);
    if (entry === undefined) {
      if (this.entries.size >= this.options.maxKeys) this.dropOldest();
      entry = { start, previous: 0, current: 0 };
      this.entries.set(key, entry);
    } else if (entry.start !== start) {
      entry.previous = start - entry.start === intervalUs ? entry.current : 0;
      entry.current = 0;
      entry.start = start;
      // Refresh its position: busy keys stay, keys seen once age out first.
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    entry.current += units;
    return rateOf(entry, now, intervalUs);
  }

  /** The key's current rate (units per second) without counting anything; 0 for an unknown key. */
  rate(key: string, now: number): number {
    const entry = this.entries.get(key);
    if (entry === undefined) return 0;
    const { intervalUs } = this.options;
    const start = now - (now % intervalUs);
    if (start === entry.start) return rateOf(entry, now, intervalUs);
    if (start - entry.start === intervalUs) return rateOf({ start, previous: entry.current, current: 0 }, now, intervalUs);
    return 0;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }

  private dropOldest(): void {
    const oldest = this.entries.keys().next();
    if (oldest.done !== true) this.entries.delete(oldest.value);
  }
}

function rateOf(entry: RateEntry, now: number, intervalUs: number): number {
  const unelapsed = (intervalUs - (now - entry.start)) / intervalUs;
  return ((entry.previous * unelapsed + entry.current) * 1_000_000) / intervalUs;
}
