import { createHash, randomBytes } from 'node:crypto';
import {
  DECISION_EVENT_BOUNDS,
  decisionEventsMsgId,
  decisionEventsSubject,
  type CheckRequest,
  type CheckResponse,
  type DecisionEvent,
  type DecisionEventBatch,
} from '@rl/contracts';
import { headers, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { DecisionEventBuffer, type BufferedDecision } from './decision-event-buffer';
import type { DecisionEventMetrics } from './decision-event-metrics';
import type { DecisionObserver } from './decision-observer';
import type { DecisionEventSettings } from './events-env';
import { NatsConnector, ThrottledLog, type NatsTransportSettings } from '@rl/platform';

/** Events per NATS message (the contract allows up to DECISION_EVENT_BOUNDS.maxEventsPerBatch). */
export const EVENTS_PER_BATCH = 500;

/** First 16 hex digits of SHA-256 of the counted key: the only form of a key that leaves the enforcer. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export interface DecisionEventPublisherOptions {
  readonly settings: DecisionEventSettings;
  readonly natsUrl: string;
  /** NATS credentials and TLS (NATS_* settings). */
  readonly natsTransport?: NatsTransportSettings;
  /** Validated NATS_NAMESPACE and REGION: the subject is built from them only. */
  readonly namespace: string;
  readonly region: string;
  readonly instanceId: string;
  readonly logger: Logger;
  readonly metrics: DecisionEventMetrics;
  readonly buffer: DecisionEventBuffer;
}

/**
 * Publishes decision events to `<ns>.events.decisions.<region>`, off the request path:
 * `onDecision` only samples and copies into a bounded ring (DecisionEventBuffer); a timer drains
 * it every EVENTS_FLUSH_INTERVAL_MS into batches of EVENTS_PER_BATCH events, one core-NATS
 * message each, with `Nats-Msg-Id` so the JetStream stream drops a republished batch. While NATS
 * is unreachable events stay in the ring until it fills (then they are dropped and counted); the
 * connection (platform's NatsConnector) is retried in the background, forever. Nothing here
 * throws into a request.
 */
export class DecisionEventPublisher implements DecisionObserver {
  private readonly subject: string;
  private readonly bootId = randomBytes(8).toString('hex');
  private readonly log: ThrottledLog;
  private readonly link: NatsConnector;
  private sequence = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: DecisionEventPublisherOptions) {
    this.subject = decisionEventsSubject(options.namespace, options.region);
    this.log = new ThrottledLog(options.logger, { intervalMs: 30_000, now: Date.now });
    this.link = new NatsConnector({ url: options.natsUrl, name: `enforcer-events:${options.region}:${options.instanceId}`, logger: options.logger, transport: options.natsTransport });
  }

  start(): void {
    this.link.start();
    this.timer ??= setInterval(() => this.flush(), this.options.settings.flushIntervalMs);
    this.timer.unref();
  }

  onDecision(request: CheckRequest, response: CheckResponse, latencySeconds: number): void {
    this.options.buffer.offer(request, response, latencySeconds);
  }

  /** Publishes everything buffered (while connected). Returns the number of events published. */
  flush(): number {
    const nc = this.link.connection();
    if (nc === undefined) {
      if (this.options.buffer.size > 0) this.log.warn('nats', { url: this.options.natsUrl, buffered: this.options.buffer.size }, 'decision events waiting for NATS');
      return 0;
    }
    let published = 0;
    while (this.options.buffer.size > 0) {
      const drained = this.options.buffer.drain(EVENTS_PER_BATCH);
      try {
        this.publishBatch(nc, drained);
        published += drained.length;
      } catch (error) {
        this.options.metrics.recordDrop('nats_unavailable', drained.length);
        this.log.warn('publish', { err: error, events: drained.length }, 'cannot publish decision events; dropped');
        break;
      }
    }
    return published;
  }

  /** Publishes what is buffered, then closes the connection (draining it). */
  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.flush();
    await this.link.close();
  }

  private publishBatch(nc: NatsConnection, drained: readonly BufferedDecision[]): void {
    const events: DecisionEvent[] = drained.map((d) => ({
      ts: d.ts,
      keyHash: hashKey(d.key),
      policyId: d.policyId,
      policyVersion: d.policyVersion,
      decision: d.decision,
      latencyMs: Math.min(DECISION_EVENT_BOUNDS.latencyMs.max, Math.round(d.latencyMs * 1000) / 1000),
      region: this.options.region,
      customerId: d.customerId,
      sampleRate: d.sampleRate,
    }));
    const batch: DecisionEventBatch = {
      schema: 1,
      region: this.options.region,
      instanceId: this.options.instanceId,
      bootId: this.bootId,
      sequence: this.sequence++,
      sentAtMs: Date.now(),
      events,
    };
    const h = headers();
    h.set('Nats-Msg-Id', decisionEventsMsgId(batch));
    nc.publish(this.subject, JSON.stringify(batch), { headers: h });
    this.options.metrics.recordBatch(events.length);
  }
}
