import { globalWindowMs, type AllocationUpdate, type AllocationWindow, type CalendarWindow, type UsageReport } from '@rl/contracts';
import { calendarBounds } from '@rl/limiter-core';
import { allocateInto, equalSplit, type RegionView } from './allocate';
import { RegionSlot } from './region-slot';

/**
 * The reconciler's whole state, with no I/O and no clock of its own (every method takes `nowMs`):
 * usage per (policy, window, identity, region, instance), what each region acknowledged, and what
 * was issued to it. The app feeds it reports and restored allocations and runs `cycle` on a timer.
 */
export interface QuotaBookOptions {
  /** Every region that enforces global policies: the same list as the enforcers' GLOBAL_REGIONS. */
  readonly regions: readonly string[];
  /** GLOBAL_FLOOR_PERCENT: every region keeps max(1, floor(limit * p / 100 / R)). */
  readonly floorPercent: number;
  /** A region none of whose instances reported for this long is silent (partitioned). */
  readonly leaseMs: number;
  /** Every live allocation is sent again at least this often (keeps the stream holding it). */
  readonly refreshMs: number;
  /**
   * An instance counts in its region's acknowledgement (the minimum appliedEpoch) until it has been
   * silent this long, then it is forgotten: a lowering is not final while an instance that may
   * still enforce the old allocation is within this time. Default 10 x leaseMs.
   */
  readonly instanceTimeoutMs?: number;
  /** Unacknowledged allocations per key and region before nothing more is sent to it. Default 8. */
  readonly maxPending?: number;
  /**
   * Keys per AllocationUpdate, a window header counting as two keys (default 4000: under 512 KiB with 64-character identities). A
   * region's larger update is split into parts with consecutive epochs, and every key of it is
   * recorded at the LAST part's epoch: an enforcer that reports that epoch applied has applied
   * every part (it applies in stream order), so no part is taken as acknowledged early.
   */
  readonly maxKeysPerUpdate?: number;
}

/** `misplaced_window`: a calendar window whose bounds are not the calendar's. */
export type IngestResult = 'accepted' | 'unknown_region' | 'window_ended' | 'future_window' | 'misplaced_window';

export interface IngestOutcome {
  readonly result: IngestResult;
  /** Key entries that changed nothing (older sequence than held: a duplicate or reordering). */
  readonly staleEntries: number;
}

type MutableView = { -readonly [K in keyof RegionView]: RegionView[K] };

/** What one cycle sends one region for one window, as parallel arrays (no object per key). */
interface PendingWindow {
  readonly window: WindowState;
  readonly slots: RegionSlot[];
  readonly identities: string[];
  readonly values: number[];
}

interface InstanceState {
  appliedEpoch: number;
  lastSeenMs: number;
}

interface RegionState {
  readonly name: string;
  readonly instances: Map<string, InstanceState>;
  lastReportMs: number | undefined;
}

export interface KeyState {
  readonly identity: string;
  readonly slots: RegionSlot[];
}

export interface WindowState {
  readonly policyId: string;
  /** The stacked limit this window counts (UsageWindow.limitName); absent for a policy of one limit. */
  readonly limitName?: string;
  /** A calendar window and its time zone (UsageWindow.window); absent for an epoch-aligned one. */
  readonly window?: CalendarWindow;
  readonly timeZone?: string;
  readonly windowStartMs: number;
  readonly windowMs: number;
  windowSeconds: number;
  limit: number;
  readonly keys: Map<string, KeyState>;
}

/** Per region, the windows with the allocations to send this cycle. */
export interface CycleOutput {
  /** The first epoch of the cycle. */
  readonly epoch: number;
  /** The last epoch used (several when an update was split); equal to `epoch` when nothing was sent. */
  readonly lastEpoch: number;
  readonly updates: AllocationUpdate[];
  /** Key/region allocations sent (changes and refreshes). */
  readonly allocations: number;
  readonly activeKeys: number;
}

export interface RegionUsageRow {
  readonly region: string;
  readonly admitted: number;
  readonly denied: number;
  readonly allocation: number;
  readonly lastReportAtMs: number | undefined;
  readonly silent: boolean;
}

export class QuotaBook {
  private readonly regions: RegionState[];
  private readonly regionIndex = new Map<string, number>();
  private readonly windows = new Map<string, WindowState>();
  private readonly maxPending: number;
  private readonly instanceTimeoutMs: number;
  private readonly maxKeysPerUpdate: number;
  /** Highest epoch issued or restored. */
  private epoch = 0;
  /**
   * Per region, the epoch of the latest cycle that lowered one of its allocations and whose
   * acknowledgement has not been seen yet (0: none). The acknowledgement frees share that a
   * demanding region may be waiting for, so the reconciler runs a cycle as soon as it arrives.
   */
  private readonly awaitedLowering: number[];
  /**
   * Windows that started before this may hold allocations the book never saw (the stream lost
   * them: see `forgetHistoryBefore`); nothing is sent for them. -Infinity: none.
   */
  private unknownBeforeMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: QuotaBookOptions) {
    if (options.regions.length === 0) throw new Error('QuotaBook needs at least one region');
    this.regions = options.regions.map((name, i) => {
      this.regionIndex.set(name, i);
      return { name, instances: new Map(), lastReportMs: undefined };
    });
    this.awaitedLowering = this.regions.map(() => 0);
    this.maxPending = options.maxPending ?? 8;
    this.instanceTimeoutMs = options.instanceTimeoutMs ?? 10 * options.leaseMs;
    this.maxKeysPerUpdate = options.maxKeysPerUpdate ?? 4000;
  }

  get lastEpoch(): number {
    return this.epoch;
  }

  get regionNames(): string[] {
    return this.regions.map((r) => r.name);
  }

  /**
   * Applies one usage report. Counts are absolute: per (region, instance, policy, identity, window)
   * the entry with the highest sequence wins, so a duplicate or redelivery changes nothing.
   */
  ingest(report: UsageReport, nowMs: number): IngestOutcome {
    const index = this.regionIndex.get(report.region);
    if (index === undefined) return { result: 'unknown_region', staleEntries: 0 };
    const region = this.regions[index];
    for (const w of report.windows) {
      if (!calendarBoundsHold(w)) return { result: 'misplaced_window', staleEntries: 0 };
      const windowMs = globalWindowMs(w.windowSeconds);
      if (w.windowStartMs + windowMs + this.options.leaseMs < nowMs) return { result: 'window_ended', staleEntries: 0 };
      if (w.windowStartMs > nowMs + windowMs) return { result: 'future_window', staleEntries: 0 };
    }
    const instance = region.instances.get(report.instanceId);
    if (instance === undefined) region.instances.set(report.instanceId, { appliedEpoch: report.appliedEpoch, lastSeenMs: nowMs });
    else {
      instance.appliedEpoch = Math.max(instance.appliedEpoch, report.appliedEpoch);
      instance.lastSeenMs = nowMs;
    }
    region.lastReportMs = nowMs;
    let staleEntries = 0;
    for (const w of report.windows) {
      const window = this.windowFor(w);
      for (const [identity, admitted, denied] of w.keys) {
        const slot = this.keyFor(window, identity).slots[index];
        if (!slot.applyUsage({ instanceId: report.instanceId, sequence: report.sequence, admitted, denied })) staleEntries += 1;
      }
    }
    return { result: 'accepted', staleEntries };
  }

  /**
   * Replays one allocation update read back from the stream (a new leader or a restart): the
   * allocations are recorded as issued and unacknowledged, so they stay reserved until the region
   * reports an epoch at or above them.
   */
  restore(update: AllocationUpdate, nowMs: number): void {
    const index = this.regionIndex.get(update.region);
    if (update.epoch > this.epoch) this.epoch = update.epoch;
    if (index === undefined) return;
    const ack = this.ackEpoch(this.regions[index], nowMs);
    for (const w of update.windows) {
      const windowMs = globalWindowMs(w.windowSeconds);
      if (w.windowStartMs + windowMs + this.options.leaseMs < nowMs) continue;
      const window = this.windowFor(w);
      for (const [identity, value] of w.keys) {
        const slot = this.keyFor(window, identity).slots[index];
        slot.issue(update.epoch, value, nowMs);
        // A standby runs no cycle: apply what the region acknowledged here, so pending lists stay short.
        slot.acknowledge(ack);
      }
    }
  }

  /**
   * The allocation stream may have lost allocations of windows that started before `beforeMs`
   * (every reconciler was down longer than the stream keeps a live allocation, or the stream was
   * purged): regions may be enforcing caps the book does not know, so a raise paid from what looks
   * free could exceed the limit. Nothing is sent for those windows (each region keeps what it
   * holds; together that never exceeded the limit) until they end, or until every region reports
   * that none of its instances applied any allocation at all (the whole stack restarted).
   */
  forgetHistoryBefore(beforeMs: number): void {
    if (beforeMs > this.unknownBeforeMs) this.unknownBeforeMs = beforeMs;
  }

  /** Start of the windows whose allocations may be unknown (see forgetHistoryBefore), or undefined. */
  get unknownHistoryBeforeMs(): number | undefined {
    return this.unknownBeforeMs === Number.NEGATIVE_INFINITY ? undefined : this.unknownBeforeMs;
  }

  /** Raises the epoch floor (the last epoch persisted by any leader). */
  observeEpoch(epoch: number): void {
    if (epoch > this.epoch) this.epoch = epoch;
  }

  /**
   * One reconciliation cycle at `epoch` (> every epoch issued so far): applies acknowledgements,
   * computes the allocation of every key of every current window, and returns the updates to send
   * per region. Ended windows are dropped.
   */
  cycle(input: { nowMs: number; epoch: number; measureRates?: boolean }): CycleOutput {
    const { nowMs, epoch } = input;
    // Rates are demand per interval: a cycle run between ticks (a lowering was acknowledged) keeps
    // the rates of the last tick instead of measuring a fraction of an interval.
    const measureRates = input.measureRates ?? true;
    if (epoch <= this.epoch) throw new Error(`cycle epoch ${epoch} must be above the last epoch ${this.epoch}`);
    const live = this.regions.map((r) => this.isLive(r, nowMs));
    const acks = this.regions.map((r) => this.ackEpoch(r, nowMs));
    // Every region reports that none of its instances holds any allocation: nothing is unknown.
    if (this.unknownBeforeMs !== Number.NEGATIVE_INFINITY && this.regions.every((r, i) => live[i] && this.maxAppliedEpoch(r, nowMs) === 0)) {
      this.unknownBeforeMs = Number.NEGATIVE_INFINITY;
    }
    const perRegion: PendingWindow[][] = this.regions.map(() => []);
    const lowered = this.regions.map(() => false);
    let allocations = 0;
    let activeKeys = 0;
    const views: MutableView[] = this.regions.map(() => ({ live: false, admitted: 0, demand: 0, rate: 0, current: 0, reserved: 0, pendingCount: 0 }));
    const next = new Array<number>(this.regions.length);
    const goal = new Array<number>(this.regions.length);

    for (const [id, window] of this.windows) {
      if (window.windowStartMs + window.windowMs + this.options.leaseMs < nowMs) {
        this.windows.delete(id);
        continue;
      }
      const current = window.windowStartMs <= nowMs && nowMs < window.windowStartMs + window.windowMs;
      const split = equalSplit(window.limit, this.regions.length);
      const sent: PendingWindow[] = this.regions.map(() => ({ window, slots: [], identities: [], values: [] }));
      for (const key of window.keys.values()) {
        for (let r = 0; r < this.regions.length; r += 1) {
          const slot = key.slots[r];
          slot.acknowledge(acks[r]);
          if (!measureRates) continue;
          const demand = slot.demand;
          slot.rate = Math.max(0, demand - slot.demandAtLastCycle);
          slot.demandAtLastCycle = demand;
        }
        if (!current) continue;
        activeKeys += 1;
        if (window.windowStartMs < this.unknownBeforeMs) continue;
        for (let r = 0; r < this.regions.length; r += 1) {
          const slot = key.slots[r];
          const view = views[r];
          view.live = live[r];
          view.admitted = slot.admitted;
          view.demand = slot.demand;
          view.rate = slot.rate;
          view.current = slot.current(split);
          view.reserved = slot.reserved(split);
          view.pendingCount = slot.pendingCount;
        }
        allocateInto(
          { limit: window.limit, regions: views, floorPercent: this.options.floorPercent, minChange: Math.max(1, Math.floor(window.limit / 500)), maxPending: this.maxPending },
          next,
          goal,
        );
        for (let r = 0; r < this.regions.length; r += 1) {
          const slot = key.slots[r];
          let value: number | undefined = next[r] < 0 ? undefined : next[r];
          if (value === undefined && slot.hasIssued && nowMs - slot.lastPublishedMs >= this.options.refreshMs) value = slot.latestIssuedValue;
          if (value === undefined) continue;
          if (value < views[r].current) lowered[r] = true;
          sent[r].slots.push(slot);
          sent[r].identities.push(key.identity);
          sent[r].values.push(value);
          allocations += 1;
        }
      }
      for (let r = 0; r < this.regions.length; r += 1) if (sent[r].slots.length > 0) perRegion[r].push(sent[r]);
    }

    const updates: AllocationUpdate[] = [];
    let lastEpoch = epoch;
    perRegion.forEach((windows, r) => {
      const parts = this.split(windows);
      const recordedEpoch = epoch + parts.length - 1;
      for (const w of windows) for (let i = 0; i < w.slots.length; i += 1) w.slots[i].issue(recordedEpoch, w.values[i], nowMs);
      if (lowered[r] && parts.length > 0) this.awaitedLowering[r] = recordedEpoch;
      parts.forEach((part, i) => {
        updates.push({ schema: 1, epoch: epoch + i, region: this.regions[r].name, issuedAtMs: nowMs, leaseSeconds: Math.ceil(this.options.leaseMs / 1000), windows: part });
      });
      if (parts.length > 0) lastEpoch = Math.max(lastEpoch, recordedEpoch);
    });
    if (allocations > 0) this.epoch = lastEpoch;
    return { epoch, lastEpoch, updates, allocations, activeKeys };
  }

  /**
   * What a cycle does to the rates, and nothing else: a standby calls it on every tick, so that if
   * it takes the lead its first cycle sees the last interval's demand, not the whole window's (which
   * would share by the window's history and need a second cycle to follow the demand).
   */
  measureRates(nowMs: number): void {
    for (const window of this.windows.values()) {
      if (!(window.windowStartMs <= nowMs && nowMs < window.windowStartMs + window.windowMs)) continue;
      for (const key of window.keys.values()) {
        for (const slot of key.slots) {
          const demand = slot.demand;
          slot.rate = Math.max(0, demand - slot.demandAtLastCycle);
          slot.demandAtLastCycle = demand;
        }
      }
    }
  }

  /**
   * Whether a region has acknowledged a lowering since the last call: the share it gave up is free
   * now, and a cycle run at once raises the regions waiting for it instead of at the next tick.
   * Cheap (regions × instances), so the reconciler asks after every accepted report.
   */
  takeAcknowledgedLowering(nowMs: number): boolean {
    let freed = false;
    for (let r = 0; r < this.regions.length; r += 1) {
      const awaited = this.awaitedLowering[r];
      if (awaited > 0 && this.ackEpoch(this.regions[r], nowMs) >= awaited) {
        this.awaitedLowering[r] = 0;
        freed = true;
      }
    }
    return freed;
  }

  /** One region's windows as AllocationUpdate bodies of at most maxKeysPerUpdate keys each. */
  private split(windows: readonly PendingWindow[]): AllocationWindow[][] {
    const parts: AllocationWindow[][] = [];
    let part: AllocationWindow[] = [];
    let room = this.maxKeysPerUpdate;
    for (const { window, identities, values } of windows) {
      for (let offset = 0; offset < identities.length; ) {
        // A window header costs about two keys' bytes.
        if (room < 3 && part.length > 0) {
          parts.push(part);
          part = [];
          room = this.maxKeysPerUpdate;
        }
        room = Math.max(1, room - 2);
        const end = Math.min(identities.length, offset + room);
        const keys: Array<readonly [string, number]> = [];
        for (let i = offset; i < end; i += 1) keys.push([identities[i], values[i]]);
        part.push({ ...windowName(window), windowStartMs: window.windowStartMs, windowSeconds: window.windowSeconds, limit: window.limit, keys });
        room -= end - offset;
        offset = end;
      }
    }
    if (part.length > 0) parts.push(part);
    return parts;
  }

  /** The current window of a policy (the one containing `nowMs`), or of one of its stacked limits given `limitName`, if any key of it was reported. */
  currentWindow(policyId: string, nowMs: number, limitName?: string): WindowState | undefined {
    let found: WindowState | undefined;
    for (const w of this.windows.values()) {
      if (w.policyId === policyId && w.limitName === limitName && w.windowStartMs <= nowMs && nowMs < w.windowStartMs + w.windowMs) {
        if (found === undefined || w.windowStartMs > found.windowStartMs) found = w;
      }
    }
    return found;
  }

  /** Per region usage and allocation of one key of a window. */
  usageRows(window: WindowState, key: KeyState, nowMs: number): RegionUsageRow[] {
    const split = equalSplit(window.limit, this.regions.length);
    return this.regions.map((region, r) => ({
      region: region.name,
      admitted: key.slots[r].admitted,
      denied: key.slots[r].denied,
      allocation: key.slots[r].current(split),
      lastReportAtMs: region.lastReportMs,
      silent: !this.isLive(region, nowMs),
    }));
  }

  /** Sum over the keys of current windows of each region's allocation, per policy (for metrics). */
  allocationTotals(nowMs: number): Array<{ region: string; policyId: string; allocation: number }> {
    const totals = new Map<string, { region: string; policyId: string; allocation: number }>();
    for (const window of this.windows.values()) {
      if (!(window.windowStartMs <= nowMs && nowMs < window.windowStartMs + window.windowMs)) continue;
      const split = equalSplit(window.limit, this.regions.length);
      this.regions.forEach((region, r) => {
        const id = `${region.name}\n${window.policyId}`;
        const row = totals.get(id) ?? { region: region.name, policyId: window.policyId, allocation: 0 };
        for (const key of window.keys.values()) row.allocation += key.slots[r].current(split);
        totals.set(id, row);
      });
    }
    return [...totals.values()];
  }

  /** Whether each region is live (some instance reported within the lease). */
  regionStatus(nowMs: number): Array<{ region: string; live: boolean; ackEpoch: number; instances: number }> {
    return this.regions.map((r) => ({ region: r.name, live: this.isLive(r, nowMs), ackEpoch: this.ackEpoch(r, nowMs), instances: r.instances.size }));
  }

  /**
   * Drops windows that ended more than a lease ago, and forgets instances silent for
   * instanceTimeoutMs (their usage stays in the sums until the window ends). The leader's cycle
   * prunes windows too; a standby calls this on its own timer.
   */
  prune(nowMs: number): void {
    for (const [id, window] of this.windows) {
      if (window.windowStartMs + window.windowMs + this.options.leaseMs < nowMs) this.windows.delete(id);
    }
    for (const region of this.regions) {
      for (const [id, instance] of region.instances) if (nowMs - instance.lastSeenMs > this.instanceTimeoutMs) region.instances.delete(id);
    }
  }

  /** The highest epoch any instance of the region (heard from within instanceTimeoutMs) applied. */
  private maxAppliedEpoch(region: RegionState, nowMs: number): number {
    let max = 0;
    for (const instance of region.instances.values()) {
      if (nowMs - instance.lastSeenMs <= this.instanceTimeoutMs && instance.appliedEpoch > max) max = instance.appliedEpoch;
    }
    return max;
  }

  private isLive(region: RegionState, nowMs: number): boolean {
    for (const instance of region.instances.values()) if (nowMs - instance.lastSeenMs <= this.options.leaseMs) return true;
    return false;
  }

  /**
   * A region has applied epoch e once every instance heard from within instanceTimeoutMs has applied
   * it, and at least one of them is live. A silent region acknowledges nothing.
   */
  private ackEpoch(region: RegionState, nowMs: number): number {
    if (!this.isLive(region, nowMs)) return 0;
    let min = -1;
    for (const instance of region.instances.values()) {
      if (nowMs - instance.lastSeenMs > this.instanceTimeoutMs) continue;
      if (min < 0 || instance.appliedEpoch < min) min = instance.appliedEpoch;
    }
    return min < 0 ? 0 : min;
  }

  /** One book per (policy, stacked limit, window): two global limits of a stack never share counts or allocations. */
  private windowFor(input: WindowName & { windowStartMs: number; windowSeconds: number; limit: number }): WindowState {
    const id = `${input.policyId}\n${input.limitName ?? ''}\n${input.windowStartMs}\n${input.windowSeconds}`;
    let window = this.windows.get(id);
    if (window === undefined) {
      window = {
        ...windowName(input),
        windowStartMs: input.windowStartMs,
        windowMs: globalWindowMs(input.windowSeconds),
        windowSeconds: input.windowSeconds,
        limit: input.limit,
        keys: new Map(),
      };
      this.windows.set(id, window);
    } else window.limit = input.limit;
    return window;
  }

  private keyFor(window: WindowState, identity: string): KeyState {
    let key = window.keys.get(identity);
    if (key === undefined) {
      key = { identity, slots: this.regions.map(() => new RegionSlot()) };
      window.keys.set(identity, key);
    }
    return key;
  }
}

interface WindowName {
  readonly policyId: string;
  readonly limitName?: string;
  readonly window?: CalendarWindow;
  readonly timeZone?: string;
}

/** What names a window besides its start: the policy id, and the stacked limit and calendar window when it has them (messages leave the fields out otherwise). */
function windowName(window: WindowName): WindowName {
  const name: { -readonly [K in keyof WindowName]: WindowName[K] } = { policyId: window.policyId };
  if (window.limitName !== undefined) name.limitName = window.limitName;
  if (window.window !== undefined) {
    name.window = window.window;
    name.timeZone = window.timeZone;
  }
  return name;
}

/**
 * A calendar window's start and length must be the calendar's (limiter-core calendarBounds, the
 * function the enforcers count with), so every region's counts land in one book; an epoch-aligned
 * window is checked when the message is parsed.
 */
function calendarBoundsHold(w: { readonly window?: CalendarWindow; readonly timeZone?: string; readonly windowStartMs: number; readonly windowSeconds: number }): boolean {
  if (w.window === undefined || w.timeZone === undefined) return true;
  const bounds = calendarBounds({ window: w.window, timeZone: w.timeZone, nowUs: w.windowStartMs * 1000 });
  return bounds.startUs === w.windowStartMs * 1000 && bounds.endUs - bounds.startUs === Math.round(w.windowSeconds * 1_000_000);
}
