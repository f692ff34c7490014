import { globalAllocationsStream, reconcilerKvBucket } from '@rl/contracts';
import { ThrottledLog } from '@rl/platform';
import type { KV, NatsConnection } from 'nats';
import { EpochStore, LeaderLease } from '../leader/leader-lease';
import type { ReconcilerMetrics } from '../metrics/reconciler-metrics';
import type { PartContext } from './part-context';

export interface LeadershipOptions extends PartContext {
  readonly metrics: Pick<ReconcilerMetrics, 'leader'>;
  readonly connection: () => NatsConnection | undefined;
}

/**
 * This instance's part in the leader lease (KV `<NS>_RECONCILER`, key `leader`; see LeaderLease)
 * and the epochs a leader reserves (key `epoch`). It ticks every third of a lease. On taking the
 * lead it loads the last epoch and checks whether the allocation stream may have lost allocations
 * regions still enforce (checkHistory). Losing the lead (lease lost, connection replaced, an epoch
 * not reserved) is announced to the onLost listeners.
 */
export class Leadership {
  private lease: LeaderLease | undefined;
  private epochs: EpochStore | undefined;
  private problem: string | undefined = 'not connected yet';
  private known = false;
  private leadingFlag = false;
  private since = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  private readonly log: ThrottledLog;
  private readonly lostListeners: Array<(reason: string) => void> = [];

  constructor(private readonly options: LeadershipOptions) {
    this.log = new ThrottledLog(options.logger, { intervalMs: 10_000, now: options.now });
  }

  /** This instance took the lead (its flag) and its lease is recent enough to act on. */
  isLeader(): boolean {
    return this.leadingFlag && (this.lease?.isLeader() ?? false);
  }

  /** This instance took the lead and has not lost it yet (its lease may be overdue for renewal). */
  get leading(): boolean {
    return this.leadingFlag;
  }

  /** When this instance last took the lead. */
  get leaderSinceMs(): number {
    return this.since;
  }

  /** A lease tick has completed on the current connection: this instance knows whether it leads. */
  get leaseKnown(): boolean {
    return this.known;
  }

  get kvProblem(): string | undefined {
    return this.problem;
  }

  /** The last epoch known to be issued (0 before the lead was taken). */
  currentEpoch(): number {
    return this.epochs?.current ?? 0;
  }

  /** Reserves the epochs up to `lastEpoch` by compare-and-set; LeadershipLostError when another instance wrote meanwhile. */
  async reserveEpochs(lastEpoch: number): Promise<void> {
    if (this.epochs === undefined) throw new Error('no epoch store: not connected');
    await this.epochs.advance(lastEpoch);
  }

  onLost(listener: (reason: string) => void): void {
    this.lostListeners.push(listener);
  }

  /** The KV bucket of a new connection: lead again only after a fresh lease tick. */
  attach(kv: KV): void {
    this.problem = undefined;
    if (this.leadingFlag) this.lose('NATS connection replaced');
    this.known = false;
    this.lease = new LeaderLease(kv, { instanceId: this.options.config.instanceId, leaseMs: this.options.config.leaderLeaseMs, now: this.options.now });
    this.epochs = new EpochStore(kv);
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), Math.max(50, Math.floor(this.options.config.leaderLeaseMs / 3)));
  }

  /**
   * Stops ticking and gives the lease up (a standby takes over at once). With `resign: false` the
   * lease is left to expire, as after a crash (a standby waits a lease).
   */
  async stop(options: { resign: boolean }): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    while (this.running) await new Promise((resolve) => setTimeout(resolve, 10));
    if (options.resign && this.lease !== undefined && this.options.connection() !== undefined) {
      try {
        await this.lease.resign();
      } catch (error) {
        this.options.logger.warn({ err: error }, 'could not give the leader lease up; a standby takes over when it expires');
      }
    }
    this.setLeading(false);
  }

  /** Gives the lead up locally (the lease was lost, or an epoch not reserved) and tells the listeners. */
  lose(reason: string): void {
    this.setLeading(false);
    this.lease?.drop();
    for (const listener of this.lostListeners) listener(reason);
  }

  /** One renewal or acquisition attempt. */
  async tick(): Promise<void> {
    if (this.running || this.stopped || this.lease === undefined || this.options.connection() === undefined) return;
    this.running = true;
    try {
      const leads = await this.lease.tick();
      this.problem = undefined;
      this.known = true;
      if (leads && !this.leadingFlag) await this.takeLead();
      else if (!leads && this.leadingFlag) this.lose('lease lost');
    } catch (error) {
      this.problem = `KV ${reconcilerKvBucket(this.options.config.nats.namespace)} unreachable: ${error instanceof Error ? error.message : String(error)}`;
      this.log.warn('kv', { reason: this.problem }, 'leader lease not renewed');
    } finally {
      this.running = false;
    }
  }

  private async takeLead(): Promise<void> {
    const epoch = await (this.epochs as EpochStore).load();
    this.options.ledger.book.observeEpoch(epoch);
    await this.checkHistory();
    this.since = this.options.now();
    this.setLeading(true);
    this.options.logger.info({ epoch, instanceId: this.options.config.instanceId }, 'leader lease acquired; first cycle once one interval of reports is in');
  }

  /**
   * Whether the allocation stream may have lost allocations that regions still enforce, and from
   * which windows on (QuotaBook.forgetHistoryBefore):
   * - no leader ran for longer than a live allocation's last copy stays in the stream (each is
   *   re-sent every refreshMs, half the max age, plus up to a cycle): windows that started before
   *   the last leader stopped may hold caps nobody can read back;
   * - the stream holds no message although its last one is younger than the max age: it was
   *   purged, so any current window may.
   * A partial purge (some messages removed by hand) is not detected.
   */
  private async checkHistory(): Promise<void> {
    const nc = this.options.connection();
    if (nc === undefined) throw new Error('NATS connection lost while taking the lead');
    const { streamMaxAgeMs, refreshMs, intervalMs } = this.options.config;
    const state = (await (await nc.jetstreamManager({ checkAPI: false })).streams.info(globalAllocationsStream(this.options.config.nats.namespace))).state;
    const now = this.options.now();
    const previous = this.lease?.previousLeaderSeenAtMs;
    let since: number | undefined;
    let why = '';
    if (previous !== undefined && now - previous > refreshMs - 2 * intervalMs) {
      since = previous;
      why = `no leader for ${Math.round((now - previous) / 1000)} s, longer than live allocations are sure to stay in the stream (${Math.round((refreshMs - 2 * intervalMs) / 1000)} s)`;
    }
    if (state.messages === 0 && state.last_seq > 0 && now - Date.parse(state.last_ts) < streamMaxAgeMs) {
      since = now;
      why = `the allocation stream was purged (no message, the last one written ${Math.round((now - Date.parse(state.last_ts)) / 1000)} s ago)`;
    }
    if (since === undefined) return;
    this.options.ledger.book.forgetHistoryBefore(since);
    this.options.logger.warn(
      { windowsStartedBefore: new Date(since).toISOString(), lastSeq: state.last_seq, messages: state.messages },
      `allocations may have been lost: ${why}; windows that started before then keep what each region holds until they end, or until every region reports it holds no allocation`,
    );
  }

  private setLeading(leading: boolean): void {
    this.leadingFlag = leading;
    this.options.metrics.leader.set(leading ? 1 : 0);
  }
}
