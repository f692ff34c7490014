import { Counter, Gauge, type Registry } from 'prom-client';

/** What became of one decision-event batch. */
export type BatchOutcome = 'stored' | 'duplicate' | 'rejected' | 'failed';

/**
 * Series of the analytics pipeline. Bounded labels: fixed outcomes only. The consumer's backlog
 * (`rl_analytics_consumer_pending`) is read from JetStream at scrape time through `setPendingSource`.
 */
export class AnalyticsMetrics {
  private readonly batches: Record<BatchOutcome, Counter.Internal>;
  private readonly events: Counter;
  private readonly deleted: Counter;
  private pendingSource: (() => Promise<number | undefined>) | undefined;

  constructor(registry: Registry) {
    const batches = new Counter({
      name: 'rl_analytics_batches_total',
      help: 'Decision-event batches consumed, by outcome: stored, duplicate (already counted), rejected (malformed, terminated), failed (database error, redelivered)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.batches = {
      stored: batches.labels({ outcome: 'stored' }),
      duplicate: batches.labels({ outcome: 'duplicate' }),
      rejected: batches.labels({ outcome: 'rejected' }),
      failed: batches.labels({ outcome: 'failed' }),
    };
    this.events = new Counter({ name: 'rl_analytics_events_total', help: 'Decision events counted into the per-minute rollups', registers: [registry] });
    this.deleted = new Counter({ name: 'rl_analytics_rollup_rows_deleted_total', help: 'Rollup rows deleted by retention (ANALYTICS_RETENTION_DAYS)', registers: [registry] });
    const pending: Gauge = new Gauge({
      name: 'rl_analytics_consumer_pending',
      help: 'Decision-event batches in the stream not yet delivered to the rollup consumer',
      registers: [registry],
      collect: async () => {
        if (this.pendingSource === undefined) return;
        try {
          const value = await this.pendingSource();
          if (value !== undefined) pending.set(value);
        } catch {
          // NATS is down: /readyz says so; keep the last value rather than fail the scrape.
          return;
        }
      },
    });
  }

  setPendingSource(source: () => Promise<number | undefined>): void {
    this.pendingSource = source;
  }

  recordBatch(outcome: BatchOutcome, events = 0): void {
    this.batches[outcome].inc();
    if (outcome === 'stored' && events > 0) this.events.inc(events);
  }

  recordDeleted(rows: number): void {
    if (rows > 0) this.deleted.inc(rows);
  }
}
