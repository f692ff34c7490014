/**
 * Runs a task on wall-clock boundaries: at every `k × periodMs + offsetMs` (Unix epoch
 * milliseconds), rather than every `periodMs` after whenever the process started.
 *
 * Why: global limits have enforcers report usage every sync interval and the reconciler compute
 * allocations every interval. With free-running timers their phases are arbitrary, so the data a
 * cycle sees is up to one whole interval old, and because the timers drift against each other a
 * cycle sometimes sees two reports from an instance and sometimes none (its measured rate then
 * doubles or drops to zero). Aligned to the clock, every enforcer reports at the boundary and the
 * reconciler runs `offsetMs` later: each cycle sees exactly one fresh report per instance, at most
 * `offsetMs` old. Hosts need only NTP-grade clocks: an error of a few milliseconds costs that much
 * freshness, nothing else.
 *
 * Each run is scheduled from the clock afresh (a setTimeout to the next boundary, never a
 * setInterval), so timer lateness does not accumulate; a boundary less than half a period after
 * the previous run (the event loop stalled past a boundary, or the timer fired a hair early) is
 * skipped, so a stall never causes back-to-back runs.
 */
export interface AlignedTimerOptions {
  readonly periodMs: number;
  /** Milliseconds after each boundary; 0 <= offsetMs < periodMs. */
  readonly offsetMs?: number;
  readonly task: () => void;
  /** Wall clock, ms since the epoch (injected for tests). */
  readonly now?: () => number;
  /** Timer functions (injected for tests). */
  readonly schedule?: (fn: () => void, delayMs: number) => { unref?: () => unknown };
  readonly cancel?: (handle: unknown) => void;
}

export class AlignedTimer {
  private handle: { unref?: () => unknown } | undefined;
  private lastRunAt = -Infinity;
  private readonly now: () => number;
  private readonly offsetMs: number;

  constructor(private readonly options: AlignedTimerOptions) {
    if (!(options.periodMs > 0)) throw new RangeError(`periodMs must be positive (got ${options.periodMs})`);
    this.offsetMs = options.offsetMs ?? 0;
    if (!(this.offsetMs >= 0 && this.offsetMs < options.periodMs)) throw new RangeError(`offsetMs must be in [0, periodMs) (got ${this.offsetMs})`);
    this.now = options.now ?? Date.now;
  }

  /** The first boundary (k × period + offset) strictly after `atMs`. */
  static nextBoundary(atMs: number, periodMs: number, offsetMs = 0): number {
    const k = Math.floor((atMs - offsetMs) / periodMs) + 1;
    return k * periodMs + offsetMs;
  }

  start(): void {
    if (this.handle === undefined) this.arm();
  }

  stop(): void {
    if (this.handle !== undefined) (this.options.cancel ?? ((h) => clearTimeout(h as NodeJS.Timeout)))(this.handle);
    this.handle = undefined;
  }

  get running(): boolean {
    return this.handle !== undefined;
  }

  private arm(): void {
    const { periodMs } = this.options;
    const now = this.now();
    let at = AlignedTimer.nextBoundary(now, periodMs, this.offsetMs);
    // A boundary less than half a period after the last run (we woke late, or early) is skipped.
    if (at - this.lastRunAt < periodMs / 2) at += periodMs;
    const schedule = this.options.schedule ?? ((fn, delay) => setTimeout(fn, delay));
    this.handle = schedule(() => this.fire(), at - now);
    this.handle.unref?.();
  }

  private fire(): void {
    this.lastRunAt = this.now();
    try {
      this.options.task();
    } finally {
      if (this.handle !== undefined) this.arm();
    }
  }
}
