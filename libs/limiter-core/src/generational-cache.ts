/**
 * A bounded key-value cache with approximate least-recently-used eviction, in two generations of
 * at most maxKeys / 2 entries each (the scheme of quick-lru):
 * - new keys go into the current generation;
 * - when it is full it becomes the old one, and the old one is dropped whole;
 * - a key read or written while in the old generation moves to the current one.
 *
 * So a key used at least once per maxKeys / 2 new keys is never evicted, whatever the flood of
 * distinct keys, and at most `maxKeys` keys are held (2 when maxKeys is 1).
 *
 * Why not "delete the oldest entry of one Map": V8 leaves a deleted entry in a Map's table until
 * the table is rehashed, and finding the oldest live entry (`keys().next()`) scans over all of
 * them. With one eviction per new key, which is the steady state under a key flood, that scan
 * took ~10% of the enforcer's CPU. Here nothing is ever scanned; a generation is dropped in one
 * step.
 */
export class GenerationalCache<V> {
  private current = new Map<string, V>();
  private old = new Map<string, V>();
  private readonly generationSize: number;

  /**
   * @param onEvict called with each entry of a generation as it is dropped (not on `delete` or
   *   `clear`): for caches whose entries must be accounted for, such as units still owed.
   */
  constructor(
    readonly maxKeys: number,
    private readonly onEvict?: (value: V, key: string) => void,
  ) {
    if (!(maxKeys >= 1)) throw new RangeError(`maxKeys must be at least 1 (got ${maxKeys})`);
    this.generationSize = Math.max(1, Math.floor(maxKeys / 2));
  }

  /** The value of `key`, which counts as a use (it moves to the current generation). */
  get(key: string): V | undefined {
    const value = this.current.get(key);
    if (value !== undefined) return value;
    const aging = this.old.get(key);
    if (aging !== undefined) {
      this.old.delete(key);
      this.insert(key, aging);
    }
    return aging;
  }

  /** The value of `key`, without counting a use. */
  peek(key: string): V | undefined {
    return this.current.get(key) ?? this.old.get(key);
  }

  set(key: string, value: V): void {
    if (this.current.has(key)) {
      this.current.set(key, value);
      return;
    }
    this.old.delete(key);
    this.insert(key, value);
  }

  delete(key: string): void {
    this.current.delete(key);
    this.old.delete(key);
  }

  get size(): number {
    return this.current.size + this.old.size;
  }

  clear(): void {
    this.current.clear();
    this.old.clear();
  }

  /** Every entry, oldest generation first. */
  *entries(): IterableIterator<[string, V]> {
    yield* this.old;
    yield* this.current;
  }

  private insert(key: string, value: V): void {
    if (this.current.size >= this.generationSize) {
      if (this.onEvict !== undefined) for (const [evicted, dropped] of this.old) this.onEvict(dropped, evicted);
      this.old = this.current;
      this.current = new Map();
    }
    this.current.set(key, value);
  }
}
