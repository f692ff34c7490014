import { GenerationalCache } from './generational-cache';

/** One held state; updated in place, so a write allocates nothing but the state itself. */
interface Slot<S> {
  state: S;
  /** The caller's tag for the state's kind (LocalLimiter: the algorithm); a read with another tag misses. */
  tag: number;
  expiresAt: number;
}

/**
 * Bounded in-memory state for library mode and for the enforcer's local fallback buckets of
 * sliding_log and global windows (LocalLimiter keeps every other algorithm in CompactStateTable).
 * Entries expire after their TTL, and beyond `maxEntries` the least recently used ones are evicted
 * (GenerationalCache), so a flood of distinct keys costs bounded memory and cannot push out a key
 * in steady use, which would then restart from a full bucket.
 */
export class MemoryStateStore<S> {
  private readonly entries: GenerationalCache<Slot<S>>;

  constructor(maxEntries = 100_000) {
    this.entries = new GenerationalCache(maxEntries);
  }

  get(key: string, now: number, tag = 0): S | undefined {
    const slot = this.entries.get(key);
    if (slot === undefined || slot.tag !== tag) return undefined;
    if (slot.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return slot.state;
  }

  set(key: string, state: S, expiresAt: number, tag = 0): void {
    const slot = this.entries.get(key);
    if (slot !== undefined) {
      slot.state = state;
      slot.tag = tag;
      slot.expiresAt = expiresAt;
      return;
    }
    this.entries.set(key, { state, tag, expiresAt });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
