import { GenerationalCache } from '../generational-cache';

/**
 * Per-key request rates over a bounded set of keys, for hot-key detection.
 *
 * Each key keeps the counts of the current and the previous aligned interval; its rate is the
 * sliding-window estimate `previous × (unelapsed share) + current` per interval, in units per
 * second. Time is injected (integer microseconds), so tests pin exact rates.
 *
 * Memory is bounded: at most `maxKeys` keys, in a GenerationalCache. A key noted at least once per
 * maxKeys / 2 new keys survives any flood of distinct keys; a dropped key only loses its estimate
 * (it is served as a cold key).
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
  private readonly entries: GenerationalCache<RateEntry>;

  constructor(private readonly options: RateEstimatorOptions) {
    if (!(options.maxKeys >= 1) || !(options.intervalUs >= 1)) throw new RangeError('RateEstimator needs maxKeys >= 1 and intervalUs >= 1');
    this.entries = new GenerationalCache(options.maxKeys);
  }

  /** Counts `units` for `key` at `now` and returns the key's rate (units per second) including them. */
  note(key: string, units: number, now: number): number {
    const { intervalUs } = this.options;
    const start = now - (now % intervalUs);
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = { start, previous: 0, current: 0 };
      this.entries.set(key, entry);
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
    const entry = this.entries.peek(key);
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
}

function rateOf(entry: RateEntry, now: number, intervalUs: number): number {
  const unelapsed = (intervalUs - (now - entry.start)) / intervalUs;
  return ((entry.previous * unelapsed + entry.current) * 1_000_000) / intervalUs;
}
