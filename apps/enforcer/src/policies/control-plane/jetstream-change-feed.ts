import { policyChangesStream, policyChangesSubject } from '@rl/contracts';
import type { Logger } from 'pino';
import { ChangeFeed, type ChangeFeedHandlers } from './change-feed';
import type { RetryPolicy } from './retry';
import { NatsConnector, OrderedStreamReader, type NatsTransportSettings } from '@rl/platform';

export interface JetStreamChangeFeedOptions {
  readonly url: string;
  /** NATS credentials and TLS (NATS_* settings). */
  readonly transport?: NatsTransportSettings;
  readonly namespace: string;
  /** Connection name, as NATS monitoring shows it. */
  readonly connectionName: string;
  readonly logger: Logger;
  readonly retry: RetryPolicy;
  readonly random?: () => number;
}

/**
 * The policy-changes stream through platform's OrderedStreamReader, on a NatsConnector of its own.
 * Positioning: delivery starts right after the stream's last sequence (`from: 'next'`, correct
 * whether or not older messages are still held, expired or purged), then `onPositioned` asks the
 * source for a snapshot, which is read after that point and so covers everything before it.
 * After a failure the feed resumes after the last message it delivered, or repositions (and says
 * `onPositioned` again) if the stream was re-created. A missing stream or server is retried,
 * forever.
 */
export class JetStreamChangeFeed extends ChangeFeed {
  private readonly link: NatsConnector;
  private reader: OrderedStreamReader | undefined;

  constructor(private readonly options: JetStreamChangeFeedOptions) {
    super();
    this.link = new NatsConnector({ url: options.url, name: options.connectionName, logger: options.logger, transport: options.transport });
  }

  run(handlers: ChangeFeedHandlers): void {
    if (this.reader !== undefined) return;
    this.reader = new OrderedStreamReader({
      connection: () => this.link.connection(),
      stream: policyChangesStream(this.options.namespace),
      filterSubjects: policyChangesSubject(this.options.namespace),
      from: 'next',
      label: 'policy changes',
      logger: this.options.logger,
      retry: this.options.retry,
      random: this.options.random,
      onPositioned: () => handlers.onPositioned(),
      onMessage: (message) => handlers.onMessage(message.data),
    });
    this.link.start();
    this.reader.start();
  }

  problem(): string | undefined {
    if (this.reader === undefined) return 'not started';
    return this.link.notReadyReason() ?? this.reader.problem();
  }

  async close(): Promise<void> {
    await this.reader?.close();
    await this.link.close();
  }
}
