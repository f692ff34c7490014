import { reconcilerKvBucket } from '@rl/contracts';
import type { QuotaBook } from '@rl/global-quota';
import { NatsConnector } from '@rl/platform';
import type { ReadinessOptions } from '@rl/platform/service';
import type { NatsConnection } from 'nats';
import type { ReconcilerMetrics } from '../metrics/reconciler-metrics';
import { ensureAllocationsStream } from '../nats/allocations-stream';
import { AllocationMirror } from './allocation-mirror';
import { AllocationPublisher } from './allocation-publisher';
import { Leadership } from './leadership';
import type { PartContext } from './part-context';
import { ReconciliationCycle, type CycleStats } from './reconciliation-cycle';
import { ReportIntake } from './report-intake';

export interface ReconcilerServiceOptions extends PartContext {
  readonly metrics: ReconcilerMetrics;
}

/** What /readyz and the HTTP views need to know about this instance. */
export interface ReconcilerStatus {
  readonly natsProblem: string | undefined;
  readonly kvProblem: string | undefined;
  readonly leader: boolean;
  /** The allocation stream has been read to its end (nothing left to read), by the current consumer. */
  readonly caughtUp: boolean;
  /** Why the allocation stream is not being read, if it is not. */
  readonly streamProblem: string | undefined;
  /** A lease tick has completed on the current connection: this instance knows whether it leads. */
  readonly leaseKnown: boolean;
  /** Why this leader is stalled (no completed cycle for STALL_INTERVALS intervals while reports arrive), or undefined. */
  readonly stalled: string | undefined;
  readonly epoch: number;
}

/**
 * The reconciler at work, put together from its parts. Every instance takes in every usage report
 * (ReportIntake), mirrors the allocation stream into the book (AllocationMirror) and competes for
 * the leader lease (Leadership); the leader runs the cycle (ReconciliationCycle) and publishes
 * what it computes (AllocationPublisher). A leader that loses the lease with allocations
 * unpublished rebuilds its book from the stream: what it computed but never sent must not count
 * as issued.
 */
export class ReconcilerService {
  private readonly link: NatsConnector;
  private readonly intake: ReportIntake;
  private readonly mirror: AllocationMirror;
  private readonly leadership: Leadership;
  private readonly publisher: AllocationPublisher;
  private readonly cycle: ReconciliationCycle;

  constructor(private readonly options: ReconcilerServiceOptions) {
    const { config, logger, metrics, ledger, now } = options;
    this.link = new NatsConnector({ url: config.nats.url, name: `reconciler ${config.instanceId}`, logger, transport: config.nats.transport });
    const connection = (): NatsConnection | undefined => this.link.connection();
    this.intake = new ReportIntake({ config, logger, metrics, ledger, now });
    this.mirror = new AllocationMirror({ config, logger, metrics, ledger, now, connection });
    this.leadership = new Leadership({ config, logger, metrics, ledger, now, connection });
    this.publisher = new AllocationPublisher({ config, logger, metrics, now, jetstream: () => connection()?.jetstream(), isLeader: () => this.leadership.isLeader() });
    this.cycle = new ReconciliationCycle({ config, logger, metrics, ledger, leadership: this.leadership, publisher: this.publisher, mirror: this.mirror, intake: this.intake, now });
    this.leadership.onLost((reason) => this.afterLeadershipLost(reason));
  }

  start(): void {
    this.link.start((nc) => this.onConnect(nc));
    this.leadership.start();
    this.cycle.start();
  }

  /**
   * Stops the timers, gives the lease up (a standby takes over at once) and closes NATS. With
   * `resign: false` the lease is left to expire, as after a crash (a standby waits a lease).
   */
  async stop(options: { resign: boolean } = { resign: true }): Promise<void> {
    await this.cycle.stop();
    await this.leadership.stop(options);
    this.intake.unsubscribe();
    await this.mirror.close();
    await this.link.close();
  }

  status(): ReconcilerStatus {
    return {
      natsProblem: this.link.notReadyReason(),
      kvProblem: this.leadership.kvProblem,
      leader: this.leadership.isLeader(),
      caughtUp: this.mirror.caughtUp,
      streamProblem: this.mirror.problem(),
      leaseKnown: this.leadership.leaseKnown,
      stalled: this.cycle.stalled,
      epoch: this.options.ledger.book.lastEpoch,
    };
  }

  /**
   * Ready: NATS connected, the KV bucket of the leader lease reachable, the allocation stream read
   * to its end (nothing left to read) and the lease state known (a lease tick completed: this
   * instance knows whether it leads). Each later check is named only once the earlier ones pass. A
   * stalled leader stays ready (restarting it would not help and would lose the lease); it is a
   * metric and an alert instead.
   */
  readiness(): ReadinessOptions {
    const afterConnection = (problem: () => string | undefined) => () => {
      const status = this.status();
      return status.natsProblem === undefined && status.kvProblem === undefined ? problem() : undefined;
    };
    return {
      checks: [
        { name: 'nats', problem: () => this.link.notReadyReason() },
        { name: 'kv', problem: () => (this.link.notReadyReason() === undefined ? this.leadership.kvProblem : undefined) },
        { name: 'allocations', problem: afterConnection(() => (this.mirror.caughtUp ? undefined : `allocation stream not read to its end: ${this.mirror.problem() ?? 'reading'}`)) },
        { name: 'lease', problem: afterConnection(() => (this.leadership.leaseKnown ? undefined : 'leader lease state not known yet')) },
      ],
    };
  }

  /** The state the HTTP views read. */
  quotaBook(): QuotaBook {
    return this.options.ledger.book;
  }

  clock(): number {
    return this.options.now();
  }

  lastCycleStats(): CycleStats | undefined {
    return this.cycle.lastStats;
  }

  private async onConnect(nc: NatsConnection): Promise<void> {
    const { namespace } = this.options.config.nats;
    const jsm = await nc.jetstreamManager();
    await ensureAllocationsStream(jsm, { namespace, maxAgeMs: this.options.config.streamMaxAgeMs });
    this.leadership.attach(await nc.jetstream().views.kv(reconcilerKvBucket(namespace), { history: 1 }));
    this.intake.subscribe(nc);
    // Reads through whichever connection is current; started once, it follows reconnections.
    this.mirror.start();
  }

  private afterLeadershipLost(reason: string): void {
    this.options.logger.warn({ reason, unpublished: this.publisher.pending }, 'no longer the leader');
    if (!this.publisher.holdsUnpublished) return;
    // Forget everything computed locally and replay the stream; reports refill the sums.
    this.publisher.clear();
    this.options.ledger.reset();
    this.mirror.rewind();
  }
}
