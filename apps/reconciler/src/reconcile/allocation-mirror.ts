import { globalAllocationsStream, globalAllocationsWildcard, parseAllocationUpdate } from '@rl/contracts';
import { OrderedStreamReader, ThrottledLog, type StreamMessage } from '@rl/platform';
import type { NatsConnection } from 'nats';
import type { ReconcilerMetrics } from '../metrics/reconciler-metrics';
import type { PartContext } from './part-context';

export interface AllocationMirrorOptions extends PartContext {
  readonly metrics: Pick<ReconcilerMetrics, 'rejectedAllocation'>;
  /** The current NATS connection; the reader follows reconnections. */
  readonly connection: () => NatsConnection | undefined;
}

/**
 * Mirrors the allocation stream into the book, in order from the stream's start (an
 * OrderedStreamReader), so a standby always knows what the leader issued and can take over warm.
 * Only messages signed by an allocation key (its own, or ALLOCATION_SIGNING_PUBLIC_KEYS) count as
 * issued. Caught up means nothing is left to read, not that the last sequence ever written was
 * seen: after a quiet period longer than the stream's max age the stream holds no message and
 * never reaches that sequence.
 */
export class AllocationMirror {
  private readonly reader: OrderedStreamReader;
  private readonly log: ThrottledLog;

  constructor(private readonly options: AllocationMirrorOptions) {
    this.log = new ThrottledLog(options.logger, { intervalMs: 10_000, now: options.now });
    const namespace = options.config.nats.namespace;
    this.reader = new OrderedStreamReader({
      connection: options.connection,
      stream: globalAllocationsStream(namespace),
      filterSubjects: globalAllocationsWildcard(namespace),
      from: 'first',
      label: 'allocation stream',
      logger: options.logger,
      batch: 512,
      onMessage: (message) => this.apply(message),
      onCaughtUp: () => options.logger.info({ epoch: options.ledger.book.lastEpoch }, 'allocation stream read to its end'),
    });
  }

  get caughtUp(): boolean {
    return this.reader.caughtUp;
  }

  /** Why the stream is not being read, if it is not. */
  problem(): string | undefined {
    return this.reader.problem();
  }

  /** Reads through whichever connection is current; started once, it follows reconnections. */
  start(): void {
    this.reader.start();
  }

  /** Reads the stream again from its start (after the ledger was reset). */
  rewind(): void {
    this.reader.rewind();
  }

  close(): Promise<void> {
    return this.reader.close();
  }

  /** One message of the allocation stream, in order: into the book when an allocation key signed it, or counted and logged. */
  apply(message: StreamMessage): void {
    // What nobody with an allocation key signed was never issued: it must not count in the book.
    const keys = this.options.config.signing.allocationKeys;
    const verified = keys.verify('allocation', message.data);
    const parsed = verified.ok ? parseAllocationUpdate(verified.payload) : undefined;
    if (parsed?.ok === true) {
      this.options.ledger.book.restore(parsed.value, this.options.now());
      return;
    }
    this.options.metrics.rejectedAllocation();
    if (!verified.ok) {
      this.log.warn(
        `unverified-allocation-${verified.reason}`,
        { subject: message.subject, seq: message.seq, reason: verified.reason, trustedKeyIds: keys.keyIds },
        'allocation stream message not signed by an allocation key; skipped',
      );
    } else if (parsed !== undefined && !parsed.ok) {
      this.log.warn('malformed-allocation', { seq: message.seq, errors: parsed.errors.slice(0, 5) }, 'allocation stream message rejected');
    }
  }
}
