import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PolicyChangeKind } from '@rl/contracts';

/**
 * The policy service's own series. Labels are bounded: change kinds and fixed outcomes only.
 * `rl_outbox_backlog` is read from the database at scrape time through `setBacklogSource`.
 */
export class PolicyServiceMetrics {
  private readonly changes: Counter<'kind'>;
  private readonly revision: Gauge;
  private readonly published: Counter<'outcome'>;
  private readonly publishFailures: Counter;
  private readonly publishLag: Histogram;
  private backlogSource: (() => Promise<number>) | undefined;

  constructor(registry: Registry) {
    this.changes = new Counter({
      name: 'rl_control_changes_total',
      help: 'Committed control-plane changes, by kind',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.revision = new Gauge({ name: 'rl_control_revision', help: 'The newest control-plane revision this instance committed or relayed', registers: [registry] });
    this.published = new Counter({
      name: 'rl_outbox_published_total',
      help: 'Outbox rows acknowledged by JetStream, by outcome (stored, or duplicate: already stored under the same Nats-Msg-Id)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.publishFailures = new Counter({
      name: 'rl_outbox_publish_failures_total',
      help: 'Relay rounds that failed (NATS or database); their rows stay unsent and are retried',
      registers: [registry],
    });
    this.publishLag = new Histogram({
      name: 'rl_outbox_publish_lag_seconds',
      help: 'From a change committing its outbox row to JetStream acknowledging it',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    const backlog: Gauge = new Gauge({
      name: 'rl_outbox_backlog',
      help: 'Outbox rows not yet acknowledged by JetStream',
      registers: [registry],
      collect: async () => {
        if (this.backlogSource === undefined) return;
        try {
          backlog.set(await this.backlogSource());
        } catch {
          // The database is down: /readyz says so; keep the last value rather than fail the scrape.
          return;
        }
      },
    });
  }

  setBacklogSource(source: () => Promise<number>): void {
    this.backlogSource = source;
  }

  recordChange(kind: PolicyChangeKind, revision: number): void {
    this.changes.inc({ kind });
    this.observeRevision(revision);
  }

  observeRevision(revision: number): void {
    this.revision.set(revision);
  }

  recordPublished(duplicate: boolean, lagSeconds: number): void {
    this.published.inc({ outcome: duplicate ? 'duplicate' : 'stored' });
    this.publishLag.observe(Math.max(0, lagSeconds));
  }

  recordPublishFailure(): void {
    this.publishFailures.inc();
  }
}
