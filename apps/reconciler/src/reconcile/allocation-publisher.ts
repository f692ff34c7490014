import { allocationMsgId, encodeGlobalMessage, globalAllocationsSubject, type AllocationUpdate } from '@rl/contracts';
import { ThrottledLog } from '@rl/platform';
import type { Logger } from 'pino';
import type { ReconcilerConfig } from '../config/reconciler-config';
import { LeadershipLostError } from '../leader/leader-lease';
import type { ReconcilerMetrics } from '../metrics/reconciler-metrics';

/** The one JetStream call the publisher makes (JetStreamClient.publish). */
export interface JetStreamPublish {
  publish(subject: string, data: Uint8Array, options: { msgID: string; timeout: number }): Promise<unknown>;
}

export interface AllocationPublisherOptions {
  readonly config: ReconcilerConfig;
  readonly logger: Logger;
  readonly metrics: Pick<ReconcilerMetrics, 'publishedMessages'>;
  readonly now: () => number;
  /** JetStream on the current connection; undefined while disconnected. */
  readonly jetstream: () => JetStreamPublish | undefined;
  /** Whether this instance may still publish (its lease is recent enough to act on). */
  readonly isLeader: () => boolean;
}

interface Outgoing {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly msgId: string;
}

/**
 * Signs a cycle's allocation updates (ALLOCATION_SIGNING_PRIVATE_KEY) and publishes them in order.
 * Publishing stops at the first failure; the rest is retried in order, as the same bytes under the
 * same message id, so JetStream drops what already arrived. It stops with LeadershipLostError as
 * soon as the lease is no longer recent enough to act on.
 */
export class AllocationPublisher {
  private backlog: Outgoing[] = [];
  private unpublished = false;
  private readonly log: ThrottledLog;

  constructor(private readonly options: AllocationPublisherOptions) {
    this.log = new ThrottledLog(options.logger, { intervalMs: 10_000, now: options.now });
  }

  /** Messages signed and not yet published. */
  get pending(): number {
    return this.backlog.length;
  }

  /** The book records allocations not (all) published yet. */
  get holdsUnpublished(): boolean {
    return this.unpublished;
  }

  /** From now until everything is published, the book holds allocations nobody may have seen. */
  markUnpublished(): void {
    this.unpublished = true;
  }

  /** Signs `updates` into the backlog, replacing it. */
  enqueue(updates: readonly AllocationUpdate[]): void {
    this.backlog = updates.flatMap((update) => this.encode(update));
  }

  /** Forgets the backlog (the book is being rebuilt from the stream). */
  clear(): void {
    this.backlog = [];
    this.unpublished = false;
  }

  /** Publishes the backlog in order, stopping at the first failure. True when it is empty. */
  async flush(): Promise<boolean> {
    const js = this.options.jetstream();
    if (js === undefined) return this.backlog.length === 0;
    let sent = 0;
    try {
      while (this.backlog.length > 0) {
        if (!this.options.isLeader()) throw new LeadershipLostError('lease not renewed in time; publishing stopped');
        const next = this.backlog[0];
        await js.publish(next.subject, next.data, { msgID: next.msgId, timeout: Math.max(500, Math.floor(this.options.config.leaderLeaseMs / 3)) });
        this.backlog.shift();
        sent += 1;
      }
      this.unpublished = false;
      return true;
    } catch (error) {
      if (error instanceof LeadershipLostError) throw error;
      this.log.warn('publish', { err: error, unpublished: this.backlog.length }, 'allocation publish failed; retrying in order next interval');
      return false;
    } finally {
      if (sent > 0) this.options.metrics.publishedMessages(sent);
    }
  }

  /** Signed once: a retry sends the same bytes under the same message id (see allocationMsgId). */
  private encode(update: AllocationUpdate): Outgoing[] {
    const subject = globalAllocationsSubject(this.options.config.nats.namespace, update.region);
    const signer = this.options.config.signing.allocationSigner;
    // The book keeps updates under 512 KiB; a second part here would only follow a bug there.
    return encodeGlobalMessage(update).map((payload, part) => {
      const { envelope, signature } = signer.sign('allocation', payload);
      return { subject, data: envelope, msgId: allocationMsgId({ epoch: update.epoch, region: update.region, part, signature }) };
    });
  }
}
