/**
 * The allocation of one global key in one window across regions: a pure function of what the
 * reconciler knows about each region. See ../README.md for the algorithm and its trade-offs.
 */
export interface RegionView {
  /** A region is live while at least one of its instances reported within the lease. */
  readonly live: boolean;
  /** Admitted in this window so far, summed over the region's instances. */
  readonly admitted: number;
  /** Admitted + denied in this window so far. */
  readonly demand: number;
  /** Demand added since the previous cycle (the recent rate). */
  readonly rate: number;
  /** The allocation the region enforces once all it was sent is applied (equal split if none). */
  readonly current: number;
  /** The largest allocation the region may be enforcing now (acknowledged or pending, >= admitted). */
  readonly reserved: number;
  /** Issued allocations not yet acknowledged. */
  readonly pendingCount: number;
}

export interface AllocateInput {
  readonly limit: number;
  readonly regions: readonly RegionView[];
  /** Every region keeps at least this share of the limit, in percent, spread over the regions. */
  readonly floorPercent: number;
  /** Smaller changes are not sent (except to reach a floor or a hard bound). */
  readonly minChange: number;
  /** No further allocation is sent to a region with this many unacknowledged ones. */
  readonly maxPending: number;
}

/** The static equal split every region enforces before any allocation for a key and window arrives. */
export function equalSplit(limit: number, regionCount: number): number {
  return Math.floor(limit / regionCount);
}

/** floor = max(1, floor(limit * floorPercent / 100 / R)), and never more than the equal split. */
export function regionFloor(input: { limit: number; regionCount: number; floorPercent: number }): number {
  const floor = Math.max(1, Math.floor((input.limit * input.floorPercent) / 100 / input.regionCount));
  return Math.min(floor, equalSplit(input.limit, input.regionCount));
}

/**
 * The allocation each region should have if everything could move at once: silent regions keep
 * their reservation; each live region keeps max(floor, admitted), and what is left of the limit
 * is shared among the live regions in proportion to their recent rate (their cumulative demand
 * when no region moved since the last cycle, equally when there is no demand at all).
 */
export function targets(input: AllocateInput): number[] {
  const out = new Array<number>(input.regions.length);
  targetsInto(input, out);
  return out;
}

/** `targets`, written into `out` (the reconciler calls it for every key every cycle: no garbage). */
function targetsInto(input: AllocateInput, out: number[]): void {
  const { limit, regions } = input;
  const n = regions.length;
  const floor = regionFloor({ limit, regionCount: n, floorPercent: input.floorPercent });
  let budget = limit;
  let liveBase = 0;
  let rateSum = 0;
  let demandSum = 0;
  let liveCount = 0;
  for (let i = 0; i < n; i += 1) {
    const r = regions[i];
    if (!r.live) {
      budget -= r.reserved;
      out[i] = r.reserved;
      continue;
    }
    out[i] = r.admitted > floor ? r.admitted : floor;
    liveBase += out[i];
    rateSum += r.rate;
    demandSum += r.demand;
    liveCount += 1;
  }
  const extra = budget - liveBase;
  if (liveCount === 0 || extra <= 0) return;
  const mode = rateSum > 0 ? 0 : demandSum > 0 ? 1 : 2;
  const total = mode === 0 ? rateSum : mode === 1 ? demandSum : liveCount;
  let given = 0;
  let heaviest = -1;
  let heaviestWeight = -1;
  for (let i = 0; i < n; i += 1) {
    const r = regions[i];
    if (!r.live) continue;
    const weight = mode === 0 ? r.rate : mode === 1 ? r.demand : 1;
    const share = Math.floor((extra * weight) / total);
    out[i] += share;
    given += share;
    if (weight > heaviestWeight) {
      heaviest = i;
      heaviestWeight = weight;
    }
  }
  out[heaviest] += extra - given;
}

/**
 * The allocations to send this cycle, per region (undefined: send nothing). Nothing moves unless
 * the key is under pressure (see `underPressure`).
 *
 * Safety: a lowering is sent at once but frees nothing until acknowledged (the region's
 * reservation stays at the old value). A raise costs max(0, new - reserved) and is paid only from
 * `limit - sum(reserved)`, so sum(reserved) <= limit holds after every cycle whenever it held
 * before. Raises are served to the regions with the highest recent rate first. Nothing is sent to
 * a silent region (it could not acknowledge a lowering, and must not be raised blind).
 */
export function allocate(input: AllocateInput): Array<number | undefined> {
  const out = new Array<number>(input.regions.length);
  allocateInto(input, out, new Array<number>(input.regions.length));
  return out.map((v) => (v < 0 ? undefined : v));
}

/**
 * `allocate`, written into `out` with -1 for "send nothing"; `goal` is scratch space of the same
 * length. The reconciler calls it for every key every cycle, so it allocates nothing.
 */
export function allocateInto(input: AllocateInput, out: number[], goal: number[]): void {
  const { limit, regions } = input;
  const n = regions.length;
  for (let i = 0; i < n; i += 1) out[i] = -1;
  if (!underPressure(input)) return;
  const floor = regionFloor({ limit, regionCount: n, floorPercent: input.floorPercent });
  targetsInto(input, goal);
  let free = limit;
  for (let i = 0; i < n; i += 1) free -= regions[i].reserved;
  if (free < 0) free = 0;
  for (let i = 0; i < n; i += 1) {
    if (goal[i] < regions[i].current && sendable(input, { i, value: goal[i], floor })) out[i] = goal[i];
  }
  // Raises, highest recent rate first (then demand, then region order); n is a handful. -2 marks
  // a region considered this round with nothing to send; it becomes -1 at the end.
  for (;;) {
    let best = -1;
    for (let i = 0; i < n; i += 1) {
      const r = regions[i];
      if (out[i] !== -1 || goal[i] <= r.current) continue;
      if (best < 0) best = i;
      else {
        const b = regions[best];
        if (r.rate > b.rate || (r.rate === b.rate && r.demand > b.demand)) best = i;
      }
    }
    if (best < 0) break;
    const r = regions[best];
    const value = Math.min(goal[best], r.reserved + free);
    if (value > r.current && sendable(input, { i: best, value, floor })) {
      free -= Math.max(0, value - r.reserved);
      out[best] = value;
    } else out[best] = -2;
  }
  for (let i = 0; i < n; i += 1) if (out[i] === -2) out[i] = -1;
}

/**
 * Whether a key needs its shares moved: some live region would exhaust its allocation within
 * PRESSURE_INTERVALS cycles at its recent rate (or already denies). A key far from its limit
 * everywhere keeps its allocations: moving them would cost messages and acknowledgements for
 * nothing, and tiny rates would make them flap.
 *
 * A move takes up to about one and a half intervals from the moment demand shifts: the first
 * report that shows a whole interval of the new demand (reports go out on wall-clock multiples of
 * the interval, cycles run a fixed offset after them), then the lowering, its acknowledgement (an
 * enforcer reports at once when it applies one) and the raise in the early cycle that the
 * acknowledgement triggers. The rate a cycle sees is one interval old at that point, so
 * reallocation starts four intervals before a region would run out: margin for a rate that
 * keeps growing, and for report latency between regions.
 */
export const PRESSURE_INTERVALS = 4;

export function underPressure(input: AllocateInput): boolean {
  for (const r of input.regions) {
    if (r.live && r.rate > 0 && r.current - r.admitted < PRESSURE_INTERVALS * r.rate + input.minChange) return true;
  }
  return false;
}

function sendable(input: AllocateInput, at: { i: number; value: number; floor: number }): boolean {
  const r = input.regions[at.i];
  if (!r.live || r.pendingCount >= input.maxPending || at.value === r.current) return false;
  const reachesBound = at.value === at.floor || at.value === r.admitted;
  return Math.abs(at.value - r.current) >= input.minChange || (reachesBound && at.value < r.current);
}
