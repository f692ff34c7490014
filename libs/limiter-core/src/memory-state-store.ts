/**
 * Bounded in-memory state for library mode and for the enforcer's local fallback buckets.
 * Entries expire after their TTL, and the least recently used entry is evicted beyond
 * `maxEntries`, so a flood of distinct keys costs bounded memory.
 */
export class MemoryStateStore<S> {
  private readonly entries = new Map<string, { state: S; expiresAt: number }>();

  constructor(private readonly maxEntries = 100_000) {}

  get(key: string, now: number): S | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    // Re-insert to mark as most recently used (Map keeps insertion order).
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.state;
  }

  set(key: string, state: S, expiresAt: number): void {
    this.entries.delete(key);
    this.entries.set(key, { state, expiresAt });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
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
