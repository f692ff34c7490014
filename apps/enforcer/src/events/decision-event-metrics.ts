import { Counter, Gauge, type Registry } from 'prom-client';
import type { EventDropReason } from './decision-event-buffer';

/** Drop reasons of `rl_decision_events_dropped_total`; `nats_unavailable` is a flush that could not publish. */
export type DecisionEventDrop = EventDropReason | 'nats_unavailable';

/** Series of the decision-event publisher. Bounded labels: fixed drop reasons only. */
export class DecisionEventMetrics {
  private readonly published: Counter;
  private readonly batches: Counter;
  private readonly dropped: Record<DecisionEventDrop, Counter.Internal>;

  constructor(registry: Registry, buffered: () => number) {
    this.published = new Counter({ name: 'rl_decision_events_published_total', help: 'Decision events handed to NATS', registers: [registry] });
    this.batches = new Counter({ name: 'rl_decision_event_batches_total', help: 'NATS messages of decision events published', registers: [registry] });
    const dropped = new Counter({
      name: 'rl_decision_events_dropped_total',
      help: 'Decision events not published, by reason: buffer_full (ring full between flushes), deny_rate_cap (over EVENTS_DENY_RATE_CAP), nats_unavailable',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.dropped = {
      buffer_full: dropped.labels({ reason: 'buffer_full' }),
      deny_rate_cap: dropped.labels({ reason: 'deny_rate_cap' }),
      nats_unavailable: dropped.labels({ reason: 'nats_unavailable' }),
    };
    new Gauge({
      name: 'rl_decision_events_buffered',
      help: 'Decision events waiting for the next flush',
      registers: [registry],
      collect(): void {
        this.set(buffered());
      },
    });
  }

  recordDrop(reason: DecisionEventDrop, count = 1): void {
    this.dropped[reason].inc(count);
  }

  recordBatch(events: number): void {
    this.batches.inc();
    this.published.inc(events);
  }
}
