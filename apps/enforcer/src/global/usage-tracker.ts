import type { CalendarWindow, UsageWindow } from '@rl/contracts';

/** A stacked limit's window: its name, and for a calendar window its kind and time zone (as UsageWindow carries them). */
export interface StackedWindowName {
  readonly limitName: string;
  readonly window?: CalendarWindow;
  readonly timeZone?: string;
}

/** [admitted, denied] units of one identity in one window, counted in place. */
type Counts = [admitted: number, denied: number];

/** This instance's usage of one global policy in one aligned window. */
export class WindowUsage {
  /** identity -> [admitted, denied], in units (request cost). */
  readonly keys = new Map<string, Counts>();

  constructor(
    readonly policyId: string,
    readonly windowStartMs: number,
    readonly windowSeconds: number,
    readonly limit: number,
    private readonly tracker: UsageTracker,
    /** The stacked limit counted, when the policy has several, and its calendar window (UsageWindow.limitName, window, timeZone). */
    readonly name?: StackedWindowName,
  ) {}

  get windowEndMs(): number {
    return this.windowStartMs + this.windowSeconds * 1000;
  }

  admit(identity: string, units: number): void {
    const counts = this.counts(identity);
    if (counts !== undefined) counts[0] += units;
  }

  deny(identity: string, units: number): void {
    const counts = this.counts(identity);
    if (counts !== undefined) counts[1] += units;
  }

  /** The report form: absolute counts since the window started (never deltas). */
  toReport(): UsageWindow {
    const keys: [string, number, number][] = [];
    for (const [identity, [admitted, denied]] of this.keys) keys.push([identity, admitted, denied]);
    const window = { policyId: this.policyId, windowStartMs: this.windowStartMs, windowSeconds: this.windowSeconds, limit: this.limit, keys };
    return this.name === undefined ? window : { ...window, ...this.name };
  }

  private counts(identity: string): Counts | undefined {
    let counts = this.keys.get(identity);
    if (counts === undefined) {
      if (!this.tracker.reserveKey()) return undefined;
      counts = [0, 0];
      this.keys.set(identity, counts);
    }
    return counts;
  }
}

/**
 * Counts admitted and denied units per global policy, identity and window, for the usage reports.
 * On the request path it is Map lookups and an increment, nothing else; reports are built from it
 * on the reporter's timer. Memory is bounded: at most `maxKeys` identities across all windows (a
 * key beyond that is not counted, and `dropped` says how many were not: the reconciler then sees
 * less demand for it, which never loosens a cap), and windows are dropped once reported after
 * their end (`evictEnded`).
 */
export class UsageTracker {
  private readonly windows = new Map<string, WindowUsage>();
  private keyCount = 0;
  private droppedKeys = 0;

  constructor(private readonly options: { maxKeys: number }) {}

  /** The window's usage, created on first use. */
  window(input: { policyId: string; name?: StackedWindowName; windowStartMs: number; windowSeconds: number; limit: number }): WindowUsage {
    const id = `${input.policyId}\u0000${input.name?.limitName ?? ''}\u0000${input.windowStartMs}`;
    let usage = this.windows.get(id);
    if (usage === undefined) {
      usage = new WindowUsage(input.policyId, input.windowStartMs, input.windowSeconds, input.limit, this, input.name);
      this.windows.set(id, usage);
    }
    return usage;
  }

  /** Every window held, oldest first. */
  all(): WindowUsage[] {
    return [...this.windows.values()];
  }

  /** Drops windows that ended at or before `cutoffMs`. */
  evictEnded(cutoffMs: number): void {
    for (const [id, usage] of this.windows) {
      if (usage.windowEndMs <= cutoffMs) {
        this.keyCount -= usage.keys.size;
        this.windows.delete(id);
      }
    }
  }

  /** Identities not counted because the tracker was full, since start. */
  get dropped(): number {
    return this.droppedKeys;
  }

  /** @internal WindowUsage asks before adding an identity. */
  reserveKey(): boolean {
    if (this.keyCount >= this.options.maxKeys) {
      this.droppedKeys += 1;
      return false;
    }
    this.keyCount += 1;
    return true;
  }
}
