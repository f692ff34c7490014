import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { decisionEventsMsgId, decisionEventsStream, parseDecisionEventBatch } from '@rl/contracts';
import type { ConsumerMessages, JsMsg } from 'nats';
import type { Logger } from 'pino';
import { PolicyServiceConfig } from '../config/policy-service-config';
import { Clock } from '../core/clock';
import { LOGGER } from '@rl/platform/service';
import { AnalyticsMetrics } from './analytics-metrics';
import { ensureDecisionEventsStream, ROLLUP_CONSUMER } from './decision-events-stream';
import { rollupBatch } from './rollup';
import { RollupStore } from './rollup-store';
import { NatsConnector } from '@rl/platform';

const RETRY_MS = 1_000;
/** A batch the database could not take is redelivered after this long. */
const NAK_DELAY_MS = 5_000;
const LOG_INTERVAL_MS = 30_000;
const RETENTION_INTERVAL_MS = 3_600_000;
/** Batch ids are kept longer than the stream keeps batches (24 h), so any redelivery is recognised. */
const BATCH_ID_RETENTION_MS = 48 * 3_600_000;
const DAY_MS = 86_400_000;

/**
 * Consumes decision events into the per-minute rollups: a JetStream durable consumer
 * (`analytics-rollups` on `<NS>_DECISION_EVENTS`) shared by every policy-service instance, so
 * nothing is lost across restarts and each batch is counted by one instance. Every message is
 * validated (parseDecisionEventBatch): a malformed one is counted, logged (rate-limited) and
 * terminated; a valid one is added in one transaction, then acknowledged; a database failure
 * leaves it to be redelivered. A batch is counted once (its id is recorded with its rows). Never
 * crashes: NATS or stream problems are retried in the background, and a deleted stream or
 * consumer is re-created. Retention runs every hour.
 *
 * Not an OrderedStreamReader: every batch must be counted by exactly one instance, so this is a
 * durable, acknowledged consumer shared by all of them. Nothing here waits to be "caught up"
 * (issue 18's mistake); the backlog metric is the consumer's num_pending + num_ack_pending.
 */
@Injectable()
export class DecisionEventConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private running: Promise<void> | undefined;
  private messages: ConsumerMessages | undefined;
  private stopped = false;
  private retentionTimer: NodeJS.Timeout | undefined;
  private readonly lastLog = new Map<string, number>();

  constructor(
    private readonly nats: NatsConnector,
    private readonly store: RollupStore,
    private readonly metrics: AnalyticsMetrics,
    private readonly config: PolicyServiceConfig,
    private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.running = this.loop();
    this.metrics.setPendingSource(async () => {
      const nc = this.nats.connection();
      if (nc === undefined) return undefined;
      const info = await (await nc.jetstreamManager({ checkAPI: false })).consumers.info(decisionEventsStream(this.config.nats.namespace), ROLLUP_CONSUMER);
      return info.num_pending + info.num_ack_pending;
    });
    void this.applyRetention();
    this.retentionTimer = setInterval(() => void this.applyRetention(), RETENTION_INTERVAL_MS);
    this.retentionTimer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.retentionTimer !== undefined) clearInterval(this.retentionTimer);
    await this.messages?.close();
    await this.running;
  }

  /** Deletes what ANALYTICS_RETENTION_DAYS no longer keeps. */
  async applyRetention(): Promise<number> {
    const now = this.clock.now().getTime();
    try {
      const deleted = await this.store.deleteOlderThan({
        rollupsBefore: new Date(now - this.config.analytics.retentionDays * DAY_MS),
        batchesBefore: new Date(now - BATCH_ID_RETENTION_MS),
      });
      this.metrics.recordDeleted(deleted);
      if (deleted > 0) this.logger.info({ deleted, retentionDays: this.config.analytics.retentionDays }, 'old analytics rollups deleted');
      return deleted;
    } catch (error) {
      this.warn('retention', { err: error }, 'analytics retention failed; retrying in an hour');
      return 0;
    }
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.consume();
      } catch (error) {
        this.warn('consume', { err: error }, 'decision-event consumer unavailable; retrying');
      }
      if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref());
    }
  }

  private async consume(): Promise<void> {
    const nc = this.nats.connection();
    if (nc === undefined) return;
    const namespace = this.config.nats.namespace;
    await ensureDecisionEventsStream(await nc.jetstreamManager(), namespace);
    const consumer = await nc.jetstream().consumers.get(decisionEventsStream(namespace), ROLLUP_CONSUMER);
    // A stream or consumer deleted under it ends the iteration (by default the client would wait
    // forever for them to come back, and nothing here would re-create them): the loop then makes
    // sure of both again.
    const messages = await consumer.consume({ max_messages: 64, expires: 5_000, abort_on_missing_resource: true });
    this.messages = messages;
    if (this.stopped) {
      // close() stops the pulls at once, but its promise settles only once the messages have been
      // iterated, which nobody will do now: awaiting it hung shutdown whenever it began while this
      // consumer was starting.
      void messages.close();
      return;
    }
    this.logger.info({ stream: decisionEventsStream(namespace), consumer: ROLLUP_CONSUMER }, 'consuming decision events');
    for await (const message of messages) {
      await this.handle(message);
      if (this.stopped) break;
    }
  }

  private async handle(message: JsMsg): Promise<void> {
    const parsed = parseDecisionEventBatch(message.data);
    if (!parsed.ok) {
      this.metrics.recordBatch('rejected');
      this.warn('malformed', { subject: message.subject, seq: message.seq, errors: parsed.errors.slice(0, 5) }, 'malformed decision-event batch rejected');
      message.term();
      return;
    }
    const batch = parsed.value;
    try {
      const outcome = await this.store.addBatch(decisionEventsMsgId(batch), rollupBatch(batch));
      this.metrics.recordBatch(outcome, batch.events.length);
      message.ack();
    } catch (error) {
      this.metrics.recordBatch('failed');
      this.warn('store', { err: error, seq: message.seq }, 'cannot store decision events; the batch will be redelivered');
      message.nak(NAK_DELAY_MS);
    }
  }

  /** At most one line per topic per interval. */
  private warn(topic: string, fields: Record<string, unknown>, text: string): void {
    const now = Date.now();
    if (now - (this.lastLog.get(topic) ?? 0) < LOG_INTERVAL_MS) return;
    this.lastLog.set(topic, now);
    this.logger.warn(fields, text);
  }
}
