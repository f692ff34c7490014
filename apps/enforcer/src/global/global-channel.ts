import { globalAllocationsStream, globalAllocationsSubject, globalUsageSubject } from '@rl/contracts';
import type { Logger } from 'pino';
import type { RetryPolicy } from '../policies/control-plane/retry';
import { NatsConnector, OrderedStreamReader, type NatsTransportSettings } from '@rl/platform';

export interface GlobalChannelOptions {
  readonly url: string;
  /** NATS credentials and TLS (NATS_* settings). */
  readonly transport?: NatsTransportSettings;
  readonly namespace: string;
  /** This enforcer's region: it consumes `<ns>.global.allocations.<region>` and publishes on `<ns>.global.usage.<region>`. */
  readonly region: string;
  /** Connection name, as NATS monitoring shows it. */
  readonly connectionName: string;
  readonly logger: Logger;
  readonly retry: RetryPolicy;
  /** Every allocation message of this region, raw; the receiver validates it. Must not throw. */
  readonly onAllocation: (data: Uint8Array) => void;
  /**
   * Called when the allocations of this region in the stream have all been delivered: nothing is
   * left to read (see OrderedStreamReader), at start and again after each reconnection.
   */
  readonly onCaughtUp: () => void;
  readonly random?: () => number;
}

/**
 * The enforcer's NATS link for global limits: one connection (platform's NatsConnector) that
 * - reads this region's allocations from the JetStream stream `<NS>_GLOBAL_ALLOCATIONS` with an
 *   OrderedStreamReader from the stream's start (the stream keeps a few minutes, and per-key epochs
 *   make a replay harmless); after a failure it resumes after the last message delivered, or from
 *   the start if the stream was re-created;
 * - publishes usage reports with core NATS (absolute counts, so a lost report costs nothing).
 *
 * NATS down at boot or later is retried forever; meanwhile the allocation table keeps what it
 * holds, so the region goes on enforcing its last allocations.
 */
export class GlobalChannel {
  private readonly usageSubject: string;
  private readonly link: NatsConnector;
  private readonly reader: OrderedStreamReader;

  constructor(options: GlobalChannelOptions) {
    this.usageSubject = globalUsageSubject(options.namespace, options.region);
    this.link = new NatsConnector({ url: options.url, name: options.connectionName, logger: options.logger, transport: options.transport });
    this.reader = new OrderedStreamReader({
      connection: () => this.link.connection(),
      stream: globalAllocationsStream(options.namespace),
      filterSubjects: globalAllocationsSubject(options.namespace, options.region),
      from: 'first',
      label: 'global allocations',
      logger: options.logger,
      retry: options.retry,
      random: options.random,
      onMessage: (message) => options.onAllocation(message.data),
      onCaughtUp: options.onCaughtUp,
    });
  }

  start(): void {
    this.link.start();
    this.reader.start();
  }

  /** Why allocations are not flowing, or undefined while they are. */
  problem(): string | undefined {
    return this.link.notReadyReason() ?? this.reader.problem();
  }

  /**
   * Publishes encoded usage reports. False (nothing sent) while there is no connection: they are
   * absolute counts, and the next report after the reconnection carries them.
   */
  publishUsage(messages: readonly Uint8Array[]): boolean {
    const nc = this.link.connection();
    if (nc === undefined) return false;
    for (const data of messages) nc.publish(this.usageSubject, data);
    return true;
  }

  async close(): Promise<void> {
    await this.reader.close();
    await this.link.close();
  }
}
