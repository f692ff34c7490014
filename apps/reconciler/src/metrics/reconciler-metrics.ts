import { VERIFICATION_FAILURES, type VerificationFailure } from '@rl/platform';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Outcomes of a received usage report (label `result` of rl_reconciler_reports_total).
 * `unsigned`, `unknown_key`, `bad_signature`: not signed by the key of the region its subject names.
 */
export type ReportResult = 'accepted' | 'malformed' | 'unknown_region' | 'region_mismatch' | 'window_ended' | 'future_window' | 'misplaced_window' | VerificationFailure;

/**
 * The reconciler's Prometheus series. `rl_reconciler_allocation{region,policy}` is the sum over the
 * keys of the current window, read from the book when scraped.
 */
export class ReconcilerMetrics {
  readonly cycleSeconds: Histogram;
  readonly leader: Gauge;
  readonly epoch: Gauge;
  private readonly reports: Counter<'result'>;
  private readonly staleEntries: Counter;
  private readonly published: Counter<'kind'>;
  private readonly malformedAllocations: Counter;
  private readonly stalled: Gauge;
  private readonly stalls: Counter;

  constructor(registry: Registry, allocationTotals: () => Array<{ region: string; policyId: string; allocation: number }>) {
    new Gauge({
      name: 'rl_reconciler_allocation',
      help: 'Allocation of each region for a global policy in its current window, summed over keys',
      labelNames: ['region', 'policy'],
      registers: [registry],
      collect() {
        this.reset();
        for (const row of allocationTotals()) this.set({ region: row.region, policy: row.policyId }, row.allocation);
      },
    });
    this.cycleSeconds = new Histogram({
      name: 'rl_reconciler_cycle_seconds',
      help: 'Duration of one reconciliation cycle (allocation computation and publish), leader only',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    this.leader = new Gauge({ name: 'rl_reconciler_leader', help: '1 while this instance holds the leader lease', registers: [registry] });
    this.epoch = new Gauge({ name: 'rl_reconciler_epoch', help: 'Last allocation epoch known to this instance', registers: [registry] });
    this.reports = new Counter({ name: 'rl_reconciler_reports_total', help: 'Usage reports received, by result', labelNames: ['result'], registers: [registry] });
    this.staleEntries = new Counter({
      name: 'rl_reconciler_stale_report_entries_total',
      help: 'Report entries older than the one held (duplicates, redeliveries, reordering): ignored',
      registers: [registry],
    });
    this.published = new Counter({
      name: 'rl_reconciler_allocations_published_total',
      help: 'Allocation update messages published to the stream',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.malformedAllocations = new Counter({
      name: 'rl_reconciler_allocation_messages_rejected_total',
      help: 'Messages of the allocation stream not signed by an allocation key, or invalid, when read back (skipped)',
      registers: [registry],
    });
    this.stalled = new Gauge({
      name: 'rl_reconciler_stalled',
      help: '1 while this instance leads but has completed no cycle for 3 intervals while usage reports arrive (allocations no longer follow demand)',
      registers: [registry],
    });
    this.stalls = new Counter({ name: 'rl_reconciler_stalls_total', help: 'Times this instance, leading, became stalled (see rl_reconciler_stalled)', registers: [registry] });
    for (const result of ['accepted', 'malformed', 'unknown_region', 'region_mismatch', 'window_ended', 'future_window', 'misplaced_window', ...VERIFICATION_FAILURES] as const) this.reports.inc({ result }, 0);
  }

  report(result: ReportResult, staleEntries = 0): void {
    this.reports.inc({ result });
    if (staleEntries > 0) this.staleEntries.inc(staleEntries);
  }

  publishedMessages(count: number): void {
    this.published.inc({ kind: 'update' }, count);
  }

  rejectedAllocation(): void {
    this.malformedAllocations.inc();
  }

  setStalled(stalled: boolean): void {
    this.stalled.set(stalled ? 1 : 0);
  }

  recordStall(): void {
    this.stalls.inc();
  }
}
