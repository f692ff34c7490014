import { policyChangesStream, policyChangesSubject } from '@rl/contracts';
import { connect, ConsumerEvents, type ConsumerMessages, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { ChangeFeed, type ChangeFeedHandlers } from './change-feed';
import { backoffMs, sleep, type RetryPolicy } from './retry';
import { ThrottledLog } from '@rl/platform';

export interface JetStreamChangeFeedOptions {
  readonly url: string;
  readonly namespace: string;
  /** Connection name, as NATS monitoring shows it. */
  readonly connectionName: string;
  readonly logger: Logger;
  readonly retry: RetryPolicy;
  readonly random?: () => number;
}

/** Where the feed stopped in one incarnation of the stream (a re-created stream restarts its sequences). */
interface Cursor {
  readonly streamCreated: string;
  readonly streamSequence: number;
}

/**
 * The policy-changes stream through a JetStream ordered consumer: ephemeral, no acks, flow
 * controlled by pulls, re-created by the client on its own after a missed heartbeat or a
 * reconnect. Positioning: the stream's last sequence is read first and delivery starts right
 * after it, then `onPositioned` asks the source for a snapshot, which is read after that point and
 * so covers everything before it. After a failure the feed resumes after the last message it
 * delivered, or repositions if the stream was re-created. A missing stream or server is retried
 * with backoff, forever.
 */
export class JetStreamChangeFeed extends ChangeFeed {
  private readonly stream: string;
  private readonly subject: string;
  private readonly abort = new AbortController();
  private readonly log: ThrottledLog;
  private connection: NatsConnection | undefined;
  private messages: ConsumerMessages | undefined;
  private cursor: Cursor | undefined;
  private lastProblem: string | undefined = 'not connected yet';
  private running: Promise<void> | undefined;

  constructor(private readonly options: JetStreamChangeFeedOptions) {
    super();
    this.stream = policyChangesStream(options.namespace);
    this.subject = policyChangesSubject(options.namespace);
    this.log = new ThrottledLog(options.logger, { intervalMs: 30_000, now: Date.now });
  }

  run(handlers: ChangeFeedHandlers): void {
    this.running ??= this.loop(handlers);
  }

  problem(): string | undefined {
    return this.lastProblem;
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.messages?.close();
    await this.running;
    await this.connection?.close();
  }

  private async loop(handlers: ChangeFeedHandlers): Promise<void> {
    const random = this.options.random ?? Math.random;
    for (let attempt = 0; !this.abort.signal.aborted; attempt++) {
      try {
        if (await this.consume(handlers)) attempt = 0;
      } catch (error) {
        this.lastProblem = error instanceof Error ? error.message : String(error);
        this.log.warn('feed', { stream: this.stream, url: this.options.url, reason: this.lastProblem }, 'policy change feed unavailable; retrying');
      }
      if (this.abort.signal.aborted) break;
      await sleep(backoffMs({ policy: this.options.retry, attempt, random }), this.abort.signal);
    }
  }

  /** One consumer's life. Resolves true if it delivered anything before it ended. */
  private async consume(handlers: ChangeFeedHandlers): Promise<boolean> {
    const nc = await this.connect();
    const jsm = await nc.jetstreamManager({ checkAPI: false });
    const info = await jsm.streams.info(this.stream);
    const resume = this.cursor !== undefined && this.cursor.streamCreated === info.created;
    const startSequence = resume && this.cursor !== undefined ? this.cursor.streamSequence + 1 : info.state.last_seq + 1;
    const consumer = await nc.jetstream().consumers.get(this.stream, { filterSubjects: this.subject, opt_start_seq: startSequence, inactive_threshold: 60_000 });
    const messages = await consumer.consume({ max_messages: 256, expires: 5_000 });
    this.messages = messages;
    if (this.abort.signal.aborted) {
      // Stops the pulls; its promise settles only once the messages are iterated, which nobody
      // will do now, so awaiting it would hang close().
      void messages.close();
      return false;
    }
    this.watch(messages).catch((error: unknown) => this.options.logger.debug({ err: error }, 'consumer status stream ended'));
    this.cursor = { streamCreated: info.created, streamSequence: startSequence - 1 };
    this.lastProblem = undefined;
    this.log.clear('feed');
    this.options.logger.info({ stream: this.stream, startSequence, resumed: resume }, 'consuming policy changes');
    if (!resume) handlers.onPositioned();

    let delivered = false;
    for await (const message of messages) {
      this.cursor = { streamCreated: info.created, streamSequence: message.seq };
      delivered = true;
      handlers.onMessage(message.data);
    }
    if (!this.abort.signal.aborted) this.lastProblem = 'the consumer stopped';
    return delivered;
  }

  /** A deleted stream leaves the ordered consumer retrying on its own; end it, so the loop repositions. */
  private async watch(messages: ConsumerMessages): Promise<void> {
    for await (const status of await messages.status()) {
      if (status.type === ConsumerEvents.StreamNotFound) {
        this.lastProblem = `stream ${this.stream} not found`;
        await messages.close();
        return;
      }
    }
  }

  private async connect(): Promise<NatsConnection> {
    if (this.connection !== undefined && !this.connection.isClosed()) return this.connection;
    this.connection = await connect({
      servers: this.options.url,
      name: this.options.connectionName,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1_000,
      pingInterval: 10_000,
      timeout: 2_000,
    });
    this.options.logger.info({ url: this.options.url }, 'connected to NATS');
    this.watchConnection(this.connection).catch((error: unknown) => this.options.logger.debug({ err: error }, 'NATS status stream ended'));
    return this.connection;
  }

  private async watchConnection(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') {
        this.lastProblem = `disconnected from NATS at ${this.options.url}`;
        this.options.logger.warn({ url: this.options.url }, 'disconnected from NATS; keeping the current policies and reconnecting');
      } else if (status.type === 'reconnect') {
        this.lastProblem = undefined;
        this.options.logger.info({ url: this.options.url }, 'reconnected to NATS');
      }
    }
  }
}
