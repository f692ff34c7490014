import { ConsumerEvents, Events, type ConsumerMessages, type NatsConnection, type Status } from 'nats';
import type { Logger } from 'pino';
import { ThrottledLog } from '../logging/throttled-log';

/** Exponential backoff with full jitter: attempt n waits a random time in [0, min(maxMs, initialMs × 2^n)]. */
export interface ReaderRetryPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

const DEFAULT_RETRY: ReaderRetryPolicy = { initialMs: 200, maxMs: 5_000 };
/** While there is no connection the reader looks again this often (the connector reconnects, not the reader). */
const NO_CONNECTION_POLL_MS = 50;
/** Idle heartbeats (every half of a pull's 5 s expiry) missed in a row before the reader re-creates its consumer. */
const MISSED_HEARTBEATS_TO_RESTART = 2;

/** One message of the stream, as the reader hands it over (not parsed or validated). */
export interface StreamMessage {
  readonly subject: string;
  /** Stream sequence. */
  readonly seq: number;
  readonly data: Uint8Array;
  /** Messages matching the filter left in the stream after this one when it was delivered. */
  readonly pending: number;
}

export interface OrderedStreamReaderOptions {
  /** The connection to read through (`NatsConnector.connection`); undefined while there is none. */
  readonly connection: () => NatsConnection | undefined;
  readonly stream: string;
  readonly filterSubjects: string | string[];
  /**
   * Where a reader without a position starts: `first`, every message the stream holds; `next`,
   * only what is published from now on (the caller reads what came before from elsewhere, a
   * snapshot, in `onPositioned`).
   */
  readonly from: 'first' | 'next';
  /** Names the reader in log lines. */
  readonly label: string;
  readonly logger: Logger;
  /** Every message, in stream order. Should not throw; what it throws is logged and skipped. */
  readonly onMessage: (message: StreamMessage) => void;
  /** Called each time the reader has read everything there was (see OrderedStreamReader). */
  readonly onCaughtUp?: () => void;
  /**
   * Called when the reader starts from `from` rather than resuming after the last message it
   * delivered: at its first start, after `rewind`, and when the stream was re-created.
   */
  readonly onPositioned?: () => void;
  readonly retry?: ReaderRetryPolicy;
  /** Jitter source (Math.random by default), injectable for tests. */
  readonly random?: () => number;
  /** Messages per pull. Default 256. */
  readonly batch?: number;
  /** The server deletes the consumer after this long without a client (a long disconnection). Default 60 s. */
  readonly inactiveThresholdMs?: number;
}

/** Where the reader stopped in one incarnation of the stream (a re-created stream restarts its sequences). */
interface Cursor {
  readonly streamCreated: string;
  readonly sequence: number;
}

/**
 * Follows one JetStream stream with an ordered consumer (ephemeral, no acks, in order, re-created
 * by the client on its own after a missed heartbeat), for every consumer of a stream whose
 * messages each process needs in full: the reconciler's allocation mirror, the enforcers'
 * allocation and policy-change feeds.
 *
 * - **Position.** It starts at `from`; after a failure (connection lost, consumer gone) it
 *   resumes after the last message it delivered, or starts at `from` again when the stream was
 *   re-created (`onPositioned` says so). A missing stream or connection is retried with backoff,
 *   forever, until `close`.
 * - **Caught up** means nothing is left to read: the consumer had no pending message when it was
 *   created (the stream is empty, or everything in it expired or was purged, or nothing matches
 *   the filter), or a delivered message had none left after it. It never means "saw the last
 *   sequence ever written": a stream whose messages expired keeps its last sequence and never
 *   delivers it again. Every consumer start (each resume included) clears it until the new
 *   consumer has read to the end; `onCaughtUp` fires on each such transition. A stream written
 *   faster than it is read is, rightly, never caught up.
 */
export class OrderedStreamReader {
  private readonly log: ThrottledLog;
  private cursor: Cursor | undefined;
  private messages: ConsumerMessages | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private isCaughtUp = false;
  /** Bumped by `rewind`: a consumer of an older generation stops and the loop starts over. */
  private generation = 0;
  private lastProblem: string | undefined = 'not started';
  /** Ends the wait between attempts early (rewind, close). */
  private wake: (() => void) | undefined;

  constructor(private readonly options: OrderedStreamReaderOptions) {
    this.log = new ThrottledLog(options.logger, { intervalMs: 30_000, now: Date.now });
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** Whether everything in the stream (for the filter) has been delivered, by the current consumer. */
  get caughtUp(): boolean {
    return this.isCaughtUp;
  }

  /** Why messages are not flowing, or undefined while they are. */
  problem(): string | undefined {
    return this.lastProblem;
  }

  /** Forgets the position and reads again from `from` (e.g. the caller threw its state away). */
  rewind(): void {
    this.generation += 1;
    this.cursor = undefined;
    this.isCaughtUp = false;
    // Ends the iteration in `readOnce` (or its start, which checks the generation); the loop then
    // starts over at once.
    if (this.messages !== undefined) void this.messages.close();
    this.wake?.();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    const messages = this.messages;
    // close() settles only once the messages have been iterated; while the consumer is starting
    // nobody iterates them (readOnce closes them itself then), so do not wait for it alone.
    if (messages !== undefined) await Promise.race([messages.close(), this.running]);
    await this.running;
  }

  private async loop(): Promise<void> {
    const retry = this.options.retry ?? DEFAULT_RETRY;
    const random = this.options.random ?? Math.random;
    for (let attempt = 0; !this.closed; attempt++) {
      let rewound = false;
      let waitMs: number | undefined;
      try {
        const outcome = await this.readOnce();
        if (outcome === 'delivered') attempt = 0;
        rewound = outcome === 'rewound';
        if (outcome === 'no-connection') {
          attempt = -1;
          waitMs = NO_CONNECTION_POLL_MS;
        }
      } catch (error) {
        this.isCaughtUp = false;
        this.lastProblem = error instanceof Error ? error.message : String(error);
        this.log.warn('read', { stream: this.options.stream, reason: this.lastProblem }, `${this.options.label}: stream unavailable; retrying`);
      }
      if (this.closed) break;
      if (rewound) {
        attempt = -1;
        continue;
      }
      const ceiling = Math.min(retry.maxMs, retry.initialMs * 2 ** Math.min(Math.max(0, attempt), 30));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, waitMs ?? Math.max(1, Math.round(ceiling * random())));
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.wake = done;
      });
      this.wake = undefined;
    }
  }

  /** One consumer's life. */
  private async readOnce(): Promise<'delivered' | 'nothing' | 'rewound' | 'no-connection'> {
    const generation = this.generation;
    const nc = this.options.connection();
    if (nc === undefined) {
      this.isCaughtUp = false;
      this.lastProblem = 'NATS not connected';
      return 'no-connection';
    }
    const { stream } = this.options;
    const info = await (await nc.jetstreamManager({ checkAPI: false })).streams.info(stream);
    const resume = this.cursor !== undefined && this.cursor.streamCreated === info.created ? this.cursor.sequence + 1 : undefined;
    const startSequence = resume ?? (this.options.from === 'first' ? Math.max(1, info.state.first_seq) : info.state.last_seq + 1);
    const consumer = await nc.jetstream().consumers.get(stream, {
      filterSubjects: this.options.filterSubjects,
      opt_start_seq: startSequence,
      inactive_threshold: this.options.inactiveThresholdMs ?? 60_000,
    });
    const messages = await consumer.consume({ max_messages: this.options.batch ?? 256, expires: 5_000 });
    if (this.closed || generation !== this.generation) {
      // Stops the pulls; its promise settles only once the messages are iterated, which nobody
      // will do now, so awaiting it would hang.
      void messages.close();
      return this.closed ? 'nothing' : 'rewound';
    }
    this.messages = messages;
    this.isCaughtUp = false;
    if (resume === undefined) this.cursor = { streamCreated: info.created, sequence: startSequence - 1 };
    this.watch(messages).catch((error: unknown) => this.options.logger.debug({ err: error }, `${this.options.label}: consumer status stream ended`));
    const reconnects = nc.status();
    this.closeOnReconnect(reconnects, messages).catch((error: unknown) => this.options.logger.debug({ err: error }, `${this.options.label}: connection status stream ended`));
    this.lastProblem = undefined;
    this.log.clear('read');
    this.options.logger.info({ stream, startSequence, resumed: resume !== undefined }, `${this.options.label}: reading the stream`);
    if (resume === undefined) this.options.onPositioned?.();
    // The consumer as created: no message pending then means nothing was left to read. (Messages
    // published since are new; the ones delivered meanwhile wait in `messages`, unread.)
    if ((await consumer.info(true)).num_pending === 0) this.markCaughtUp();

    let delivered = false;
    for await (const message of messages) {
      // What was already buffered when `rewind` or `close` stopped the consumer is not delivered.
      if (generation !== this.generation || this.closed) break;
      this.cursor = { streamCreated: info.created, sequence: message.seq };
      delivered = true;
      try {
        this.options.onMessage({ subject: message.subject, seq: message.seq, data: message.data, pending: message.info.pending });
      } catch (error) {
        this.log.warn('handler', { err: error, seq: message.seq }, `${this.options.label}: message handler failed; message skipped`);
      }
      if (message.info.pending === 0) this.markCaughtUp();
    }
    stopIterating(reconnects);
    this.messages = undefined;
    this.isCaughtUp = false;
    if (generation !== this.generation && !this.closed) return 'rewound';
    if (!this.closed) this.lastProblem ??= 'the consumer stopped';
    return delivered ? 'delivered' : 'nothing';
  }

  private markCaughtUp(): void {
    if (this.isCaughtUp) return;
    this.isCaughtUp = true;
    this.options.onCaughtUp?.();
  }

  /**
   * After a reconnection the reader starts a new consumer from its own cursor rather than relying
   * on nats.js to notice that the server dropped the old one (it does, through a chain of JetStream
   * API calls with 5 s backoffs between failures, slow on a loaded server). A new consumer costs
   * one request; one left behind on the server goes after `inactiveThresholdMs`.
   */
  private async closeOnReconnect(statuses: AsyncIterable<Status>, messages: ConsumerMessages): Promise<void> {
    for await (const status of statuses) {
      if (status.type === Events.Reconnect) {
        this.lastProblem = 'NATS reconnected; re-creating the consumer';
        await messages.close();
        return;
      }
    }
  }

  /**
   * A deleted stream leaves the ordered consumer retrying on its own: end it, so the loop
   * repositions. A consumer the server dropped after `inactiveThresholdMs` without its client is
   * normally re-created by the ordered consumer itself, from where it stopped, when the connection
   * comes back. That re-creation is one request: if it fails (a JetStream API call timing out on a
   * loaded server), nats.js gives up on it and the consumer stays silent for good. A consumer that
   * is alive sends idle heartbeats, so missing them twice ends it here, and the loop resumes from
   * this reader's own cursor with a new consumer.
   */
  private async watch(messages: ConsumerMessages): Promise<void> {
    for await (const status of await messages.status()) {
      if (status.type === ConsumerEvents.StreamNotFound) {
        this.lastProblem = `stream ${this.options.stream} not found`;
        await messages.close();
        return;
      }
      if (status.type === ConsumerEvents.HeartbeatsMissed && Number(status.data) >= MISSED_HEARTBEATS_TO_RESTART) {
        this.lastProblem = 'the consumer missed its heartbeats; re-creating it';
        await messages.close();
        return;
      }
    }
  }
}

/** Ends a status iterator of nats.js (a QueuedIterator, typed only as AsyncIterable) so its listener goes. */
function stopIterating(iterable: AsyncIterable<Status>): void {
  const stoppable = iterable as AsyncIterable<Status> & { stop?: () => void };
  if (typeof stoppable.stop === 'function') stoppable.stop();
}
