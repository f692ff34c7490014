/**
 * One region's side of one global key in one window: its usage (summed over its instances) and the
 * allocations issued to it.
 *
 * Reservation: `reserved()` is the most this region may be admitting under, i.e. the largest
 * allocation it may still be enforcing. An issued allocation is *pending* until the region
 * acknowledges its epoch; while any is pending the region may enforce any of them, so the
 * reservation is the maximum of the acknowledged value and every pending value (and never below
 * what the region has reported admitted). Pending entries are kept as a list that strictly
 * decreases in value as epochs increase: an earlier entry whose value is <= a later one is
 * dominated (whenever it is pending, so is the later one) and is dropped.
 */
export interface InstanceUsage {
  readonly instanceId: string;
  sequence: number;
  admitted: number;
  denied: number;
}

export interface Issued {
  readonly epoch: number;
  readonly value: number;
}

export class RegionSlot {
  /** Entries per instance of this region; a handful at most, so a list beats a Map. */
  private readonly instances: InstanceUsage[] = [];
  admitted = 0;
  denied = 0;
  /** Demand (admitted + denied) seen by the previous cycle, to measure the recent rate. */
  demandAtLastCycle = 0;
  /** Demand added between the last two cycles. */
  rate = 0;
  /** Epoch of the latest issued allocation; -1 while the region enforces the static equal split. */
  private latestEpoch = -1;
  private latestValue = 0;
  /** Value the region has acknowledged, or -1: it enforces the static equal split. */
  private ackedValue = -1;
  /**
   * Pending (epoch, value) pairs, flat: [e0, v0, e1, v1, ...]; usually empty or one pair. Plain
   * numbers, no object per allocation: the cycle issues hundreds of thousands of them.
   */
  private pending: number[] = [];
  lastPublishedMs = 0;

  /**
   * Applies one instance's absolute counts. Returns false for an entry older than the one held
   * (lower sequence): a duplicate or reordered report changes nothing.
   */
  applyUsage(input: { instanceId: string; sequence: number; admitted: number; denied: number }): boolean {
    let entry: InstanceUsage | undefined;
    for (const candidate of this.instances) {
      if (candidate.instanceId === input.instanceId) {
        entry = candidate;
        break;
      }
    }
    if (entry === undefined) {
      this.instances.push({ instanceId: input.instanceId, sequence: input.sequence, admitted: input.admitted, denied: input.denied });
      this.admitted += input.admitted;
      this.denied += input.denied;
      return true;
    }
    if (input.sequence < entry.sequence) return false;
    this.admitted += input.admitted - entry.admitted;
    this.denied += input.denied - entry.denied;
    entry.sequence = input.sequence;
    entry.admitted = input.admitted;
    entry.denied = input.denied;
    return true;
  }

  get demand(): number {
    return this.admitted + this.denied;
  }

  /** Latest issued allocation, or undefined while the region enforces the static equal split. */
  get latest(): Issued | undefined {
    return this.latestEpoch < 0 ? undefined : { epoch: this.latestEpoch, value: this.latestValue };
  }

  get hasIssued(): boolean {
    return this.latestEpoch >= 0;
  }

  /** The latest issued value (meaningful when hasIssued). */
  get latestIssuedValue(): number {
    return this.latestValue;
  }

  /** Value the region has acknowledged, or undefined: it enforces the static equal split. */
  get acked(): number | undefined {
    return this.ackedValue < 0 ? undefined : this.ackedValue;
  }

  /** Records an allocation issued at `epoch` (epochs only grow; an older or equal one is ignored). */
  issue(epoch: number, value: number, nowMs: number): void {
    if (epoch <= this.latestEpoch) return;
    const pending = this.pending;
    while (pending.length > 0 && pending[pending.length - 1] <= value) pending.length -= 2;
    pending.push(epoch, value);
    this.latestEpoch = epoch;
    this.latestValue = value;
    this.lastPublishedMs = nowMs;
  }

  /** The region has applied every allocation up to `epoch`. */
  acknowledge(epoch: number): void {
    const pending = this.pending;
    if (pending.length === 0 || pending[0] > epoch) return;
    let drop = 0;
    while (drop < pending.length && pending[drop] <= epoch) {
      this.ackedValue = pending[drop + 1];
      drop += 2;
    }
    pending.splice(0, drop);
  }

  get pendingCount(): number {
    return this.pending.length / 2;
  }

  /** The allocation the region enforces once everything issued is applied. */
  current(equalSplit: number): number {
    return this.latestEpoch < 0 ? equalSplit : this.latestValue;
  }

  /** The largest allocation this region may be enforcing now (see the class comment). */
  reserved(equalSplit: number): number {
    let max = this.ackedValue < 0 ? equalSplit : this.ackedValue;
    if (this.pending.length > 0 && this.pending[1] > max) max = this.pending[1];
    return this.admitted > max ? this.admitted : max;
  }
}
