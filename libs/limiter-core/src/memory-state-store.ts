/** One held state; updated in place, so a write allocates nothing but the state itself. */
interface Slot<S> {
  state: S;
  /** The caller's tag for the state's kind (LocalLimiter: the algorithm); a read with another tag misses. */
  tag: number;
  expiresAt: number;
  /** The store's write sequence number when the slot was last moved to the recent end. */
  touched: number;
}

/**
 * Bounded in-memory state for library mode and for the enforcer's local fallback buckets.
 * Entries expire after their TTL, and beyond `maxEntries` the least recently used one is evicted,
 * so a flood of distinct keys costs bounded memory.
 *
 * Recency is approximate, to keep the hot path cheap: a read or write moves an entry to the recent
 * end of the Map (delete + set) only when it has fallen into the older half, i.e. more than
 * maxEntries / 2 insertions or moves ago. A key used at least that often is never evicted, and a
 * hot key costs one move per maxEntries / 2 new keys instead of one per access. This matters under
 * a key flood: the flood cannot push out a key in steady use (which would then restart from a full
 * bucket), and the Map is not churned by a delete and an insert on every decision.
 */
export class MemoryStateStore<S> {
  private readonly entries = new Map<string, Slot<S>>();
  private sequence = 0;
  private readonly refreshAfter: number;

  constructor(private readonly maxEntries = 100_000) {
    this.refreshAfter = Math.max(1, Math.floor(maxEntries / 2));
  }

  get(key: string, now: number, tag = 0): S | undefined {
    const slot = this.entries.get(key);
    if (slot === undefined || slot.tag !== tag) return undefined;
    if (slot.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    this.refresh(key, slot);
    return slot.state;
  }

  set(key: string, state: S, expiresAt: number, tag = 0): void {
    const slot = this.entries.get(key);
    if (slot !== undefined) {
      slot.state = state;
      slot.tag = tag;
      slot.expiresAt = expiresAt;
      this.refresh(key, slot);
      return;
    }
    this.entries.set(key, { state, tag, expiresAt, touched: this.sequence++ });
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

  private refresh(key: string, slot: Slot<S>): void {
    if (this.sequence - slot.touched <= this.refreshAfter) return;
    slot.touched = this.sequence++;
    this.entries.delete(key);
    this.entries.set(key, slot);
  }
}
