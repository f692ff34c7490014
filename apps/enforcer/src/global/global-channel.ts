import { globalAllocationsStream, globalAllocationsSubject, globalUsageSubject } from '@rl/contracts';
import { connect, ConsumerEvents, type ConsumerMessages, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { backoffMs, sleep, type RetryPolicy } from '../policies/control-plane/retry';
import { ThrottledLog } from '@rl/platform';

export interface GlobalChannelOptions {
  readonly url: string;
  readonly namespace: string;
  /** This enforcer's region: it consumes `<ns>.global.allocations.<region>` and publishes on `<ns>.global.usage.<region>`. */
  readonly region: string;
  /** Connection name, as NATS monitoring shows it. */
  readonly connectionName: string;
  readonly logger: Logger;
  readonly retry: RetryPolicy;
  /** Every allocation message of this region, raw; the receiver validates it. Must not throw. */
  readonly onAllocation: (data: Uint8Array) => void;
  /** Called once every allocation in the stream for this region (at consumer start) has been delivered. */
  readonly onCaughtUp: () => void;
  readonly random?: () => number;
}

/** Where the consumer stopped in one incarnation of the stream (a re-created stream restarts its sequences). */
interface Cursor {
  readonly streamCreated: string;
  readonly streamSequence: number;
}

/**
 * The enforcer's NATS link for global limits: one connection that
 * - consumes this region's allocations from the JetStream stream `<NS>_GLOBAL_ALLOCATIONS` with an
 *   ordered consumer (ephemeral, no acks). The first consumer reads the stream from its start (the
 *   stream keeps a few minutes, and per-key epochs make a replay harmless); after a failure it
 *   resumes after the last message delivered, or from the start if the stream was re-created;
 * - publishes usage reports with core NATS (absolute counts, so a lost report costs nothing).
 *
 * NATS down at boot or later is retried with backoff, forever; meanwhile the allocation table keeps
 * what it holds, so the region goes on enforcing its last allocations.
 */
export class GlobalChannel {
  private readonly stream: string;
  private readonly allocationsSubject: string;
  private readonly usageSubject: string;
  private readonly abort = new AbortController();
  private readonly log: ThrottledLog;
  private connection: NatsConnection | undefined;
  private messages: ConsumerMessages | undefined;
  private cursor: Cursor | undefined;
  private lastProblem: string | undefined = 'not connected yet';
  private running: Promise<void> | undefined;

  constructor(private readonly options: GlobalChannelOptions) {
    this.stream = globalAllocationsStream(options.namespace);
    this.allocationsSubject = globalAllocationsSubject(options.namespace, options.region);
    this.usageSubject = globalUsageSubject(options.namespace, options.region);
    this.log = new ThrottledLog(options.logger, { intervalMs: 30_000, now: Date.now });
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** Why allocations are not flowing, or undefined while they are. */
  problem(): string | undefined {
    return this.lastProblem;
  }

  /**
   * Publishes encoded usage reports. False (nothing sent) while there is no connection; while the
   * client is reconnecting, it buffers them and sends them on reconnect (they are absolute counts).
   */
  publishUsage(messages: readonly Uint8Array[]): boolean {
    const nc = this.connection;
    if (nc === undefined || nc.isClosed()) return false;
    for (const data of messages) nc.publish(this.usageSubject, data);
    return true;
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.messages?.close();
    await this.running;
    await this.connection?.close();
  }

  private async loop(): Promise<void> {
    const random = this.options.random ?? Math.random;
    for (let attempt = 0; !this.abort.signal.aborted; attempt++) {
      try {
        if (await this.consume()) attempt = 0;
      } catch (error) {
        this.lastProblem = error instanceof Error ? error.message : String(error);
        this.log.warn('allocations', { stream: this.stream, url: this.options.url, reason: this.lastProblem }, 'global allocations unavailable; enforcing the last ones and retrying');
      }
      if (this.abort.signal.aborted) break;
      await sleep(backoffMs({ policy: this.options.retry, attempt, random }), this.abort.signal);
    }
  }

  /** One consumer's life. Resolves true if it delivered anything before it ended. */
  private async consume(): Promise<boolean> {
    const nc = await this.connect();
    const jsm = await nc.jetstreamManager({ checkAPI: false });
    const info = await jsm.streams.info(this.stream);
    const resume = this.cursor !== undefined && this.cursor.streamCreated === info.created;
    const options = resume && this.cursor !== undefined ? { opt_start_seq: this.cursor.streamSequence + 1 } : {};
    const consumer = await nc.jetstream().consumers.get(this.stream, { filterSubjects: this.allocationsSubject, inactive_threshold: 60_000, ...options });
    const messages = await consumer.consume({ max_messages: 256, expires: 5_000 });
    this.messages = messages;
    if (this.abort.signal.aborted) {
      // Stops the pulls; its promise settles only once the messages are iterated, which nobody
      // will do now, so awaiting it would hang close().
      void messages.close();
      return false;
    }
    this.watch(messages).catch((error: unknown) => this.options.logger.debug({ err: error }, 'allocation consumer status stream ended'));
    this.lastProblem = undefined;
    this.log.clear('allocations');
    this.options.logger.info({ stream: this.stream, subject: this.allocationsSubject, resumed: resume }, 'consuming global allocations');
    if ((await consumer.info(true)).num_pending === 0) this.options.onCaughtUp();
    let delivered = false;
    for await (const message of messages) {
      this.cursor = { streamCreated: info.created, streamSequence: message.seq };
      delivered = true;
      this.options.onAllocation(message.data);
      if (message.info.pending === 0) this.options.onCaughtUp();
    }
    if (!this.abort.signal.aborted) this.lastProblem = 'the allocation consumer stopped';
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
    this.options.logger.info({ url: this.options.url }, 'global limits: connected to NATS');
    this.watchConnection(this.connection).catch((error: unknown) => this.options.logger.debug({ err: error }, 'NATS status stream ended'));
    return this.connection;
  }

  private async watchConnection(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') {
        this.lastProblem = `disconnected from NATS at ${this.options.url}`;
        this.options.logger.warn({ url: this.options.url }, 'global limits: disconnected from NATS; enforcing the last allocations and reconnecting');
      } else if (status.type === 'reconnect') {
        this.options.logger.info({ url: this.options.url }, 'global limits: reconnected to NATS');
      }
    }
  }
}
