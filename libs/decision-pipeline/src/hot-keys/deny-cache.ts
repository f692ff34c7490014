import { GenerationalCache, type GlobalWindowDecision, type RawDecision, type StackedDecision } from '@rl/limiter-core';
import { isGlobalRequest, isStacked, limitShape, type LimitShape, type StoreDecision, type StoreRequest } from '../store-port';

interface DenyEntry extends LimitShape {
  /** The smallest cost known to be denied until `untilMs`. */
  readonly cost: number;
  /** Monotonic ms until which the key stays denied here (the hold). */
  readonly untilMs: number;
  /**
   * Monotonic ms at which the same request is admitted: the later of the store's retry time and
   * the hold. Answers carry this, never the hold alone: a hold capped at `maxHoldMs` is how long
   * this cache saves store calls, not when the caller may come back.
   */
  readonly retryAtMs: number;
  /** Monotonic ms at which the store's reset was measured. */
  readonly atMs: number;
  readonly remaining: number;
  readonly resetUs: number;
  /** Global windows: the window the denial was counted in, and the region's count there. */
  readonly windowStartMs: number | undefined;
  readonly count: number;
  /** Stacks: every limit's decision, and the constraining one. */
  readonly limits: readonly RawDecision[] | undefined;
  readonly constraining: number;
}

/**
 * Denials that need no store call: a counter key the store denied, remembered until the time the
 * store said it would admit the same request again (or less, see `put`).
 *
 * Why a remembered denial is safe: every algorithm's availability only grows with time when nobody
 * spends, and spending only shrinks it, so a request of cost >= c is denied until the retry time
 * of a denied request of cost c. The one exception is units given back (a lease returned by
 * another instance), which may admit a request a little earlier than the cache allows: the cache
 * can deny a request the store would have admitted, never the reverse.
 *
 * An entry holds only for the same algorithm, limit, window and burst (for a global window: the
 * same cap, window length and window start; for a stack: the same limits). A stack is denied
 * until its latest violated limit admits again: the aggregate retry time; a policy change clears the whole cache as well
 * (HotKeyStore.invalidate). Bounded: `maxKeys` entries, least recently used dropped first
 * (GenerationalCache: no scan per eviction under a flood of denied keys). Times are monotonic
 * milliseconds, measured from when the store call was SENT, so the cached deadline is never later
 * than the store's own.
 */
export class DenyCache {
  private readonly entries: GenerationalCache<DenyEntry>;

  constructor(private readonly options: { readonly maxKeys: number; readonly maxHoldMs: number }) {
    this.entries = new GenerationalCache(Math.max(1, options.maxKeys));
  }

  /** The denial to answer `request` with at `nowMs`, or undefined when the store must decide. */
  get(request: StoreRequest, nowMs: number): StoreDecision | undefined {
    const entry = this.entries.get(request.key);
    if (entry === undefined) return undefined;
    const global = isGlobalRequest(request);
    if (entry.untilMs <= nowMs || !sameLimit(entry, limitShape(request)) || (global && entry.windowStartMs !== request.expectedStartMs)) {
      this.entries.delete(request.key);
      return undefined;
    }
    if (request.cost < entry.cost) return undefined;
    const elapsedUs = (nowMs - entry.atMs) * 1000;
    const denial: RawDecision = {
      allowed: false,
      remaining: entry.remaining,
      resetUs: Math.max(0, Math.ceil(entry.resetUs - elapsedUs)),
      retryAfterUs: Math.max(1, Math.ceil((entry.retryAtMs - nowMs) * 1000)),
    };
    if (isStacked(request) && entry.limits !== undefined) {
      const limits = entry.limits.map((limit) => elapsedBy(limit, elapsedUs));
      const stacked: StackedDecision = { ...denial, limits, constraining: entry.constraining };
      return stacked;
    }
    if (!global || entry.windowStartMs === undefined) return denial;
    const windowed: GlobalWindowDecision = { ...denial, windowStartMs: entry.windowStartMs, count: entry.count, matched: true };
    return windowed;
  }

  /**
   * Remembers that `request` was denied by a store call sent at `sentAtMs`, for `holdUs` (the
   * store's retry time, or longer when the caller chooses to wait for more units), at most
   * `maxHoldMs`. Returns the hold actually remembered, microseconds (0 when nothing was).
   */
  put(input: { request: StoreRequest; decision: StoreDecision; sentAtMs: number; holdUs: number }): number {
    const { request, decision, sentAtMs } = input;
    if (this.options.maxKeys <= 0 || decision.allowed) return 0;
    const holdUs = Math.min(input.holdUs, this.options.maxHoldMs * 1000);
    if (!(holdUs > 0)) return 0;
    const untilMs = sentAtMs + holdUs / 1000;
    const windowed = 'windowStartMs' in decision ? decision : undefined;
    const stacked = 'limits' in decision ? decision : undefined;
    this.entries.set(request.key, {
      ...limitShapeOf(request),
      cost: request.cost,
      untilMs,
      retryAtMs: Math.max(untilMs, sentAtMs + decision.retryAfterUs / 1000),
      atMs: sentAtMs,
      remaining: decision.remaining,
      resetUs: decision.resetUs,
      windowStartMs: windowed?.windowStartMs,
      count: windowed?.count ?? 0,
      limits: stacked?.limits,
      constraining: stacked?.constraining ?? 0,
    });
    return holdUs;
  }

  /** Whether a denial of `key` is held at `nowMs` (without counting a use). */
  has(key: string, nowMs: number): boolean {
    const entry = this.entries.peek(key);
    return entry !== undefined && entry.untilMs > nowMs;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

function limitShapeOf(request: StoreRequest): LimitShape {
  const { algorithm, limit, windowUs, burst, signature } = limitShape(request);
  return { algorithm, limit, windowUs, burst, signature };
}

export function sameLimit(a: LimitShape, b: LimitShape): boolean {
  return a.algorithm === b.algorithm && a.limit === b.limit && a.windowUs === b.windowUs && a.burst === b.burst && a.signature === b.signature;
}

/** One limit of a remembered stack denial, `elapsedUs` later: its reset and retry that much nearer (a denying limit still denies). */
function elapsedBy(limit: RawDecision, elapsedUs: number): RawDecision {
  const resetUs = Math.max(0, Math.ceil(limit.resetUs - elapsedUs));
  if (limit.allowed) return { ...limit, resetUs };
  return { ...limit, resetUs, retryAfterUs: Math.max(1, Math.ceil(limit.retryAfterUs - elapsedUs)) };
}
