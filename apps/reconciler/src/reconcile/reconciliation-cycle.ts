import { AlignedTimer, ThrottledLog } from '@rl/platform';
import { LeadershipLostError } from '../leader/leader-lease';
import type { ReconcilerMetrics } from '../metrics/reconciler-metrics';
import type { AllocationPublisher } from './allocation-publisher';
import type { Leadership } from './leadership';
import type { ReportIntake } from './report-intake';
import type { PartContext } from './part-context';

/** A leader that completed no cycle for this many intervals while reports arrive is stalled (a fault). */
export const STALL_INTERVALS = 3;

export interface CycleStats {
  readonly epoch: number;
  readonly allocations: number;
  readonly activeKeys: number;
  readonly durationMs: number;
}

export interface ReconciliationCycleOptions extends PartContext {
  readonly metrics: Pick<ReconcilerMetrics, 'cycleSeconds' | 'epoch' | 'setStalled' | 'recordStall'>;
  readonly leadership: Pick<Leadership, 'leading' | 'isLeader' | 'leaderSinceMs' | 'currentEpoch' | 'reserveEpochs' | 'lose'>;
  readonly publisher: Pick<AllocationPublisher, 'pending' | 'markUnpublished' | 'enqueue' | 'flush'>;
  readonly mirror: { readonly caughtUp: boolean; problem(): string | undefined };
  readonly intake: Pick<ReportIntake, 'reportsSinceMs' | 'lastAcceptedReportMs' | 'onAccepted'>;
}

/**
 * The leader's cycle, every RECONCILER_INTERVAL_MS at cycleOffsetMs past the enforcers' report
 * times (AlignedTimer): compute, reserve the epochs with compare-and-set, sign, publish in order. A
 * new leader first reads the stream to its end and has one interval of reports in (a warm standby
 * has; a fresh process waits). A standby keeps measuring rates, so its first cycle after a
 * takeover follows the last interval's demand. When a region acknowledges a lowering, the regions
 * waiting for that share are raised by an early cycle rather than at the next tick.
 *
 * A leader that completes no cycle for STALL_INTERVALS intervals while reports arrive is stalled:
 * logged, `rl_reconciler_stalled` 1, and the `ReconcilerLeaderStalled` alert fires.
 */
export class ReconciliationCycle {
  private timer: AlignedTimer | undefined;
  private running = false;
  private stopped = false;
  /** A cycle scheduled because a lowering was acknowledged, ahead of the next tick. */
  private earlyCycle: NodeJS.Timeout | undefined;
  private lastCompletedCycleMs = Number.NEGATIVE_INFINITY;
  private stalledReason: string | undefined;
  private lastCycle: CycleStats | undefined;
  private readonly log: ThrottledLog;

  constructor(private readonly options: ReconciliationCycleOptions) {
    this.log = new ThrottledLog(options.logger, { intervalMs: 10_000, now: options.now });
    options.intake.onAccepted((nowMs) => this.afterAcceptedReport(nowMs));
  }

  /** Why this leader is stalled, or undefined. */
  get stalled(): string | undefined {
    return this.stalledReason;
  }

  get lastStats(): CycleStats | undefined {
    return this.lastCycle;
  }

  start(): void {
    // Enforcers report on multiples of their sync interval; cycles run cycleOffsetMs after ours,
    // when those reports are in (see AlignedTimer).
    this.timer = new AlignedTimer({ periodMs: this.options.config.intervalMs, offsetMs: this.options.config.cycleOffsetMs, task: () => void this.tick() });
    this.timer.start();
  }

  /** Stops the timers and waits for a running cycle to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.stop();
    clearTimeout(this.earlyCycle);
    this.earlyCycle = undefined;
    while (this.running) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  /** A cycle, every interval; `early` for one run between ticks because a lowering was acknowledged. */
  async tick(options: { early: boolean } = { early: false }): Promise<void> {
    if (this.running || this.stopped) return;
    const { ledger, leadership, metrics } = this.options;
    const nowMs = this.options.now();
    ledger.book.prune(nowMs);
    metrics.epoch.set(ledger.book.lastEpoch);
    this.checkStall(nowMs);
    if (!leadership.isLeader() || !this.options.mirror.caughtUp) {
      // A standby keeps the rates as a leader would, so its first cycle after a takeover follows
      // the last interval's demand.
      if (!leadership.leading) ledger.book.measureRates(nowMs);
      return;
    }
    // A cold leader (just started or reconnected) waits one interval for reports; a warm standby
    // has been reading them all along and cycles at the next tick.
    if (nowMs - this.options.intake.reportsSinceMs < this.options.config.intervalMs) return;
    this.running = true;
    const stop = metrics.cycleSeconds.startTimer();
    try {
      await this.run(nowMs, { measureRates: !options.early });
    } catch (error) {
      if (error instanceof LeadershipLostError) leadership.lose(error.message);
      else this.log.warn('cycle', { err: error }, 'reconciliation cycle failed; retrying next interval');
    } finally {
      stop();
      this.running = false;
    }
  }

  private async run(nowMs: number, options: { measureRates: boolean }): Promise<void> {
    const { ledger, leadership, publisher } = this.options;
    if (!(await publisher.flush())) return;
    const started = this.options.now();
    const out = ledger.book.cycle({ nowMs, epoch: Math.max(ledger.book.lastEpoch, leadership.currentEpoch()) + 1, measureRates: options.measureRates });
    if (out.updates.length > 0) {
      publisher.markUnpublished();
      await leadership.reserveEpochs(out.lastEpoch);
      publisher.enqueue(out.updates);
      await publisher.flush();
    }
    this.lastCycle = { epoch: out.lastEpoch, allocations: out.allocations, activeKeys: out.activeKeys, durationMs: this.options.now() - started };
    this.options.metrics.epoch.set(ledger.book.lastEpoch);
    // Complete only once everything computed has been published.
    if (publisher.pending === 0) this.lastCompletedCycleMs = this.options.now();
  }

  /** A region gave up share: raise the regions waiting for it now rather than at the next tick (a move then takes lower + acknowledge, not lower + acknowledge + the rest of an interval). */
  private afterAcceptedReport(nowMs: number): void {
    if (!this.options.leadership.leading || this.earlyCycle !== undefined || !this.options.ledger.book.takeAcknowledgedLowering(nowMs)) return;
    this.earlyCycle = setTimeout(() => {
      this.earlyCycle = undefined;
      void this.tick({ early: true });
    }, 0);
  }

  /**
   * A leader that has completed no cycle for STALL_INTERVALS intervals while usage reports
   * arrive is stalled: allocations no longer follow demand, whatever the reason (the allocation
   * stream not read to its end, cycles failing, publishing failing). Logged at most every 10 s
   * with the likely reason, and exported as `rl_reconciler_stalled`.
   */
  private checkStall(nowMs: number): void {
    const { config, metrics, leadership } = this.options;
    const limitMs = STALL_INTERVALS * config.intervalMs;
    const reportsArrive = nowMs - this.options.intake.lastAcceptedReportMs <= limitMs;
    const quietSince = Math.max(this.lastCompletedCycleMs, leadership.leaderSinceMs);
    const stalled = leadership.leading && reportsArrive && nowMs - quietSince > limitMs;
    if (!stalled) {
      if (this.stalledReason !== undefined) this.options.logger.info({ epoch: this.options.ledger.book.lastEpoch }, 'reconciliation cycles completing again');
      this.stalledReason = undefined;
      this.log.clear('stalled');
      metrics.setStalled(false);
      return;
    }
    const { mirror, publisher } = this.options;
    const reason = !mirror.caughtUp
      ? `allocation stream not read to its end (${mirror.problem() ?? 'still reading'})`
      : publisher.pending > 0
        ? `${publisher.pending} allocation messages unpublished`
        : 'cycles are not completing';
    if (this.stalledReason === undefined) metrics.recordStall();
    this.stalledReason = reason;
    metrics.setStalled(true);
    this.log.warn('stalled', { reason, sinceMs: nowMs - quietSince, intervalMs: config.intervalMs }, `leader has completed no reconciliation cycle for ${STALL_INTERVALS}+ intervals while reports arrive: ${reason}`);
  }
}
