import type { AllocationUpdate } from '@rl/contracts';

/** What one allocation update did, key by key. */
export interface AllocationApplyResult {
  /** Keys whose cap was set (epoch above the one held). */
  readonly applied: number;
  /** Keys ignored because the held epoch is the same or newer (stale or duplicate). */
  readonly stale: number;
  /** Keys ignored because their window ended more than the grace period ago. */
  readonly ended: number;
  /** Keys not stored because the table is full; the update's epoch is then not acknowledged. */
  readonly refused: number;
}

interface Held {
  cap: number;
  epoch: number;
  readonly windowEndMs: number;
}

export interface AllocationTableOptions {
  /** How long after its window ends an allocation is kept (and still accepted): a Redis clock a little behind ours still finds it. */
  readonly graceMs: number;
  /** Most (policy, identity, window) allocations held at once. */
  readonly maxEntries: number;
  /**
   * The longest a decision that read a cap before an update was applied can take to finish and be
   * counted (store tiers × REDIS_COMMAND_TIMEOUT_MS). An epoch is acknowledged only this long after
   * it was applied (`acknowledgedEpoch`), so the report that acknowledges a lowering already counts
   * every unit admitted under the old cap. Default 0.
   */
  readonly settleMs?: number;
}

/**
 * The allocations this region enforces: per (policy, identity, aligned window) a cap (the most the
 * region may admit in that whole window) and the epoch it came with.
 *
 * - An update's key is applied only if its epoch is above the one held for that key: a stale,
 *   duplicate or replayed allocation changes nothing (design: per-key epochs).
 * - Losing the reconciler changes nothing here: the last cap of each key stays in force for the rest
 *   of its window (never zero, never unlimited). A window without an allocation gets the caller's
 *   default, the static equal split.
 * - Memory is bounded: ended windows are dropped by `sweep` (after `graceMs`), and at most
 *   `maxEntries` allocations are held. An update that does not fit is refused, not acknowledged:
 *   `appliedEpoch` stays below the refused epoch, even when later updates fit, until the refused
 *   key's window has ended, so the reconciler never counts on a lowering this region did not apply.
 * - An applied epoch is acknowledged only once `settleMs` have passed (`acknowledgedEpoch`): a
 *   decision that read the old cap just before the update may still admit under it until then,
 *   and the reconciler frees a lowered region's share on the strength of the acknowledging report,
 *   which must count those units too (otherwise they are admitted twice: here, and by the region
 *   raised with the share).
 */
export class AllocationTable {
  private readonly entries = new Map<string, Held>();
  private applied = 0;
  /**
   * The lowest epoch of an update this table refused a key of, while that key's window lasts. No
   * epoch at or above it is acknowledged until then: a later update that fits must not acknowledge
   * the refused one by accident (the region still enforces its default for the refused key).
   */
  private refusedEpoch: number | undefined;
  /** When the last window holding a refused key ends (plus grace): the refusal stops mattering then. */
  private refusedUntilMs = 0;
  /** Epochs applied less than settleMs ago, with when, oldest first: [epoch, appliedAtMs, ...]. */
  private settling: number[] = [];
  /** The highest applied epoch that has settled. */
  private settled = 0;
  /** Decisions in flight, by the applied epoch when each began (it read that epoch's caps, or older). */
  private readonly inFlight = new Map<number, number>();

  constructor(private readonly options: AllocationTableOptions) {}

  /**
   * The key of one allocation: policy id, counted identity and window start cannot contain NUL; a
   * stacked limit's name (a slug) follows the policy id after `/`, which policy ids never hold.
   */
  static key(policyId: string, identity: string, windowStartMs: number, limitName?: string): string {
    return `${limitName === undefined ? policyId : `${policyId}/${limitName}`}\u0000${identity}\u0000${windowStartMs}`;
  }

  /** The cap held for a key (see `key`), or undefined when none arrived for it. On the request path: one Map lookup. */
  capFor(key: string): number | undefined {
    return this.entries.get(key)?.cap;
  }

  epochFor(key: string): number | undefined {
    return this.entries.get(key)?.epoch;
  }

  /** The highest epoch of an update applied in full. */
  get appliedEpoch(): number {
    return this.refusedEpoch === undefined ? this.applied : Math.min(this.applied, this.refusedEpoch - 1);
  }

  /**
   * A decision is about to read caps: returns the epoch to hand back to `endDecision`. While it is
   * in flight no later epoch is acknowledged, however long it takes (the store's deadline judges
   * Redis by its silence, so a decision queued behind a busy Redis may outlast settleMs).
   */
  beginDecision(): number {
    const epoch = this.appliedEpoch;
    this.inFlight.set(epoch, (this.inFlight.get(epoch) ?? 0) + 1);
    return epoch;
  }

  endDecision(epoch: number): void {
    const left = (this.inFlight.get(epoch) ?? 1) - 1;
    if (left > 0) this.inFlight.set(epoch, left);
    else this.inFlight.delete(epoch);
  }

  /**
   * What usage reports acknowledge: the highest epoch applied in full at least settleMs ago, and
   * no later than the oldest epoch a decision still in flight began under.
   */
  acknowledgedEpoch(nowMs: number): number {
    const settling = this.settling;
    let drop = 0;
    while (drop < settling.length && settling[drop + 1] + (this.options.settleMs ?? 0) <= nowMs) {
      this.settled = settling[drop];
      drop += 2;
    }
    if (drop > 0) settling.splice(0, drop);
    let acknowledged = Math.min(this.settled, this.appliedEpoch);
    for (const epoch of this.inFlight.keys()) if (epoch < acknowledged) acknowledged = epoch;
    return acknowledged;
  }

  get size(): number {
    return this.entries.size;
  }

  apply(update: AllocationUpdate, nowMs: number): AllocationApplyResult {
    this.expireRefusal(nowMs);
    let applied = 0;
    let stale = 0;
    let ended = 0;
    let refused = 0;
    for (const window of update.windows) {
      const windowEndMs = window.windowStartMs + window.windowSeconds * 1000;
      if (windowEndMs + this.options.graceMs <= nowMs) {
        ended += window.keys.length;
        continue;
      }
      for (const [identity, allocation] of window.keys) {
        const key = AllocationTable.key(window.policyId, identity, window.windowStartMs, window.limitName);
        const held = this.entries.get(key);
        if (held !== undefined) {
          if (update.epoch <= held.epoch) {
            stale += 1;
            continue;
          }
          held.cap = allocation;
          held.epoch = update.epoch;
          applied += 1;
          continue;
        }
        if (this.entries.size >= this.options.maxEntries) this.sweep(nowMs);
        if (this.entries.size >= this.options.maxEntries) {
          refused += 1;
          this.refusedEpoch = Math.min(this.refusedEpoch ?? update.epoch, update.epoch);
          this.refusedUntilMs = Math.max(this.refusedUntilMs, windowEndMs + this.options.graceMs);
          continue;
        }
        this.entries.set(key, { cap: allocation, epoch: update.epoch, windowEndMs });
        applied += 1;
      }
    }
    if (update.epoch > this.applied) {
      this.applied = update.epoch;
      this.settling.push(update.epoch, nowMs);
    }
    return { applied, stale, ended, refused };
  }

  private expireRefusal(nowMs: number): void {
    if (this.refusedEpoch !== undefined && this.refusedUntilMs <= nowMs) this.refusedEpoch = undefined;
  }

  /** Drops allocations of windows that ended more than the grace period ago. Returns how many. */
  sweep(nowMs: number): number {
    this.expireRefusal(nowMs);
    let dropped = 0;
    for (const [key, held] of this.entries) {
      if (held.windowEndMs + this.options.graceMs <= nowMs) {
        this.entries.delete(key);
        dropped += 1;
      }
    }
    return dropped;
  }
}
