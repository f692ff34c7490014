import { randomInt } from 'node:crypto';

/** The longest numeric state the table holds (sliding_window: 3 numbers). */
export const COMPACT_STATE_MAX_LENGTH = 3;
/** Slots per set: a key lives in one set of this many slots, and evicts the least recently used of them. */
const WAYS = 4;

/**
 * Bounded state for the in-process limiter, in preallocated typed arrays: no JavaScript object
 * per key, so holding 50,000 fallback buckets adds nothing to the V8 heap and nothing for the
 * garbage collector to trace, and the memory is fixed when the table is built (the OS commits the
 * pages as slots are first written).
 *
 * Layout: `capacity` slots (a power of two, at least twice `maxKeys`; 49 bytes each) in sets of four. A key is hashed
 * to 53 bits (cyrb53 with a per-table random seed); the hash picks the set and is stored as the
 * slot's tag. A state is a tuple of up to three numbers, stored as doubles with its length, its
 * kind (the caller's tag: LocalLimiter stores the algorithm) and its expiry.
 *
 * Trade-offs, against a Map with exact LRU:
 * - Eviction is least-recently-used within a set of four, not across the table: a key can be
 *   evicted while the table is not full, when three more recent keys share its set. A key in
 *   steady use is never evicted by a flood of new keys in any case.
 * - Two keys with the same 53-bit hash share a slot. The seed is random per table, so such keys
 *   cannot be chosen by a caller; and for rate limiting, sharing a state only ever admits less.
 * - Reads return a fresh tuple (short-lived garbage, which a young-generation GC frees at almost
 *   no cost); nothing else is allocated per call.
 */
export class CompactStateTable {
  readonly capacity: number;
  private readonly setMask: number;
  private readonly seed: number;
  private readonly hashes: Float64Array;
  private readonly values: Float64Array;
  private readonly expires: Float64Array;
  private readonly touched: Float64Array;
  /** Per slot: kind + 1 in the low 6 bits (0: empty), state length in the high 2. */
  private readonly meta: Uint8Array;
  private clock = 0;
  private occupied = 0;

  constructor(maxKeys: number, options: { seed?: number } = {}) {
    // Twice the keys, rounded up to a power of two: at `maxKeys` random keys a set holds 1 to 2
    // on average, and 1–4% of the keys are evicted early (about 10% at 1 × the keys).
    const sets = Math.max(1, 2 ** Math.ceil(Math.log2((2 * Math.max(1, maxKeys)) / WAYS)));
    this.capacity = sets * WAYS;
    this.setMask = sets - 1;
    this.seed = options.seed ?? randomInt(0, 2 ** 31);
    this.hashes = new Float64Array(this.capacity);
    this.values = new Float64Array(this.capacity * COMPACT_STATE_MAX_LENGTH);
    this.expires = new Float64Array(this.capacity);
    this.touched = new Float64Array(this.capacity);
    this.meta = new Uint8Array(this.capacity);
  }

  /** Slots holding a state (expired ones included until reused). */
  get size(): number {
    return this.occupied;
  }

  /** The state held for `key` of this `kind` (0..62) unless expired at `now`, else undefined. */
  get(key: string, now: number, kind: number): readonly number[] | undefined {
    const hash = cyrb53(key, this.seed);
    const slot = this.find(hash);
    if (slot < 0) return undefined;
    const meta = this.meta[slot];
    if ((meta & 63) !== kind + 1 || this.expires[slot] <= now) return undefined;
    this.touched[slot] = ++this.clock;
    const length = meta >> 6;
    const base = slot * COMPACT_STATE_MAX_LENGTH;
    if (length === 2) return [this.values[base], this.values[base + 1]];
    if (length === 3) return [this.values[base], this.values[base + 1], this.values[base + 2]];
    return [this.values[base]];
  }

  /** Stores `state` (1 to 3 numbers) for `key`, replacing any state of the key and evicting if needed. */
  set(key: string, state: readonly number[], expiresAt: number, kind: number): void {
    const length = state.length;
    if (length < 1 || length > COMPACT_STATE_MAX_LENGTH) throw new RangeError(`a compact state holds 1 to ${COMPACT_STATE_MAX_LENGTH} numbers (got ${length})`);
    if (!(kind >= 0 && kind < 63)) throw new RangeError(`kind must be in [0, 63) (got ${kind})`);
    const hash = cyrb53(key, this.seed);
    let slot = this.find(hash);
    if (slot < 0) {
      slot = this.victim(hash);
      if (this.meta[slot] === 0) this.occupied += 1;
      this.hashes[slot] = hash;
    }
    this.meta[slot] = (kind + 1) | (length << 6);
    this.expires[slot] = expiresAt;
    this.touched[slot] = ++this.clock;
    const base = slot * COMPACT_STATE_MAX_LENGTH;
    for (let i = 0; i < length; i++) this.values[base + i] = state[i];
  }

  /** Forgets the state of `key`, whatever its kind. */
  delete(key: string): void {
    const slot = this.find(cyrb53(key, this.seed));
    if (slot < 0) return;
    this.meta[slot] = 0;
    this.hashes[slot] = 0;
    this.occupied -= 1;
  }

  /** Forgets every state. */
  clear(): void {
    this.meta.fill(0);
    this.hashes.fill(0);
    this.occupied = 0;
  }

  private find(hash: number): number {
    const first = (hash & this.setMask) * WAYS;
    for (let slot = first; slot < first + WAYS; slot++) {
      if (this.hashes[slot] === hash && this.meta[slot] !== 0) return slot;
    }
    return -1;
  }

  /** An empty slot of the key's set, else the least recently used one. */
  private victim(hash: number): number {
    const first = (hash & this.setMask) * WAYS;
    let oldest = first;
    for (let slot = first; slot < first + WAYS; slot++) {
      if (this.meta[slot] === 0) return slot;
      if (this.touched[slot] < this.touched[oldest]) oldest = slot;
    }
    return oldest;
  }
}

/**
 * cyrb53 (bryc, public domain): a fast 53-bit string hash with good avalanche, returned as a
 * non-negative safe integer. Its low bits pick the set, all of it is the tag.
 */
export function cyrb53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
