import {
  allocationMsgId,
  encodeGlobalMessage,
  globalAllocationsStream,
  globalAllocationsSubject,
  globalAllocationsWildcard,
  globalUsageWildcard,
  parseAllocationUpdate,
  parseUsageReport,
  reconcilerKvBucket,
  regionOfGlobalSubject,
  type AllocationUpdate,
} from '@rl/contracts';
import { QuotaBook } from '@rl/global-quota';
import { type KV, type NatsConnection, type Subscription } from 'nats';
import type { Logger } from 'pino';
import type { ReconcilerConfig } from '../config/reconciler-config';
import { EpochStore, LeaderLease, LeadershipLostError } from '../leader/leader-lease';
import type { ReconcilerMetrics } from '../metrics/reconciler-metrics';
import { ensureAllocationsStream } from '../nats/allocations-stream';
import { AlignedTimer, NatsConnector, OrderedStreamReader, ThrottledLog, type StreamMessage } from '@rl/platform';

/** A leader that completed no cycle for this many intervals while reports arrive is stalled (a fault). */
export const STALL_INTERVALS = 3;

export interface ReconcilerServiceOptions {
  readonly config: ReconcilerConfig;
  readonly logger: Logger;
  readonly metrics: ReconcilerMetrics;
  /** Wall clock in ms; windows are aligned to it (the enforcers use theirs). */
  readonly now?: () => number;
}

interface Outgoing {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly msgId: string;
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
 * The reconciler at work. Every instance
 * - consumes every usage report (`<ns>.global.usage.*`), verifies it against the key of the
 *   region its subject names (USAGE_SIGNING_PUBLIC_KEYS; a report for region R not signed by R's
 *   key is rejected and counted, so one region cannot starve the others), validates it, and
 *   feeds the book;
 * - mirrors the allocation stream into the book (an OrderedStreamReader from the stream's start),
 *   so a standby always knows what the leader issued and can take over warm; only messages signed
 *   by an allocation key (its own, or ALLOCATION_SIGNING_PUBLIC_KEYS) count as issued. It is
 *   caught up when nothing is left to read, not when it saw the last sequence ever written: after
 *   a quiet period longer than the stream's max age the stream holds no message and never reaches
 *   that sequence;
 * - competes for the leader lease (KV `<NS>_RECONCILER`, key `leader`).
 * The leader runs a cycle every RECONCILER_INTERVAL_MS: compute, reserve the epochs with
 * compare-and-set on key `epoch`, sign (ALLOCATION_SIGNING_PRIVATE_KEY), publish in order. A new
 * leader first reads the stream to its end and has one interval of reports in (a warm standby has;
 * a fresh process waits). Publishing stops at the first failure; the rest is retried
 * in order, and a leader that loses the lease with allocations unpublished rebuilds its book from
 * the stream (what it computed but never sent must not count as issued).
 *
 * A leader that completes no cycle for STALL_INTERVALS intervals while reports arrive is stalled:
 * logged, `rl_reconciler_stalled` 1, and the `ReconcilerLeaderStalled` alert fires.
 */
export class ReconcilerService {
  private book: QuotaBook;
  private readonly link: NatsConnector;
  private readonly now: () => number;
  private readonly log: ThrottledLog;
  private lease: LeaderLease | undefined;
  private epochs: EpochStore | undefined;
  private kv: KV | undefined;
  private kvProblem: string | undefined = 'not connected yet';
  private subscription: Subscription | undefined;
  private readonly mirror: OrderedStreamReader;
  private leaseKnown = false;
  private leading = false;
  private leaderSinceMs = 0;
  /** When the current usage subscription started: a cycle needs one interval of reports behind it. */
  private reportsSinceMs = Number.POSITIVE_INFINITY;
  private lastCompletedCycleMs = Number.NEGATIVE_INFINITY;
  private lastAcceptedReportMs = Number.NEGATIVE_INFINITY;
  private stalledReason: string | undefined;
  private backlog: Outgoing[] = [];
  /** The book records allocations not (all) published yet. */
  private unpublished = false;
  private timers: NodeJS.Timeout[] = [];
  private cycleTimer: AlignedTimer | undefined;
  private cycleRunning = false;
  private leaseRunning = false;
  private stopped = false;
  /** A cycle scheduled because a lowering was acknowledged, ahead of the next tick. */
  private earlyCycle: NodeJS.Timeout | undefined;
  private lastCycle: { epoch: number; allocations: number; activeKeys: number; durationMs: number } | undefined;

  constructor(private readonly options: ReconcilerServiceOptions) {
    this.now = options.now ?? Date.now;
    this.book = this.newBook();
    this.link = new NatsConnector({ url: options.config.nats.url, name: `reconciler ${options.config.instanceId}`, logger: options.logger, transport: options.config.nats.transport });
    this.log = new ThrottledLog(options.logger, { intervalMs: 10_000, now: this.now });
    const namespace = options.config.nats.namespace;
    this.mirror = new OrderedStreamReader({
      connection: () => this.link.connection(),
      stream: globalAllocationsStream(namespace),
      filterSubjects: globalAllocationsWildcard(namespace),
      from: 'first',
      label: 'allocation stream',
      logger: options.logger,
      batch: 512,
      onMessage: (message) => this.onAllocation(message),
      onCaughtUp: () => options.logger.info({ epoch: this.book.lastEpoch }, 'allocation stream read to its end'),
    });
  }

  start(): void {
    this.link.start((nc) => this.onConnect(nc));
    const { intervalMs, leaderLeaseMs } = this.options.config;
    this.timers.push(setInterval(() => void this.leaseTick(), Math.max(50, Math.floor(leaderLeaseMs / 3))));
    // Enforcers report on multiples of their sync interval; cycles run cycleOffsetMs after
    // ours, when those reports are in (see AlignedTimer).
    this.cycleTimer = new AlignedTimer({ periodMs: intervalMs, offsetMs: this.options.config.cycleOffsetMs, task: () => void this.cycleTick() });
    this.cycleTimer.start();
  }

  /**
   * Stops the timers, gives the lease up (a standby takes over at once) and closes NATS. With
   * `resign: false` the lease is left to expire, as after a crash (a standby waits a lease).
   */
  async stop(options: { resign: boolean } = { resign: true }): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.cycleTimer?.stop();
    if (this.earlyCycle !== undefined) clearTimeout(this.earlyCycle);
    this.earlyCycle = undefined;
    while (this.cycleRunning || this.leaseRunning) await new Promise((resolve) => setTimeout(resolve, 10));
    if (options.resign && this.lease !== undefined && this.link.connection() !== undefined) {
      try {
        await this.lease.resign();
      } catch (error) {
        this.options.logger.warn({ err: error }, 'could not give the leader lease up; a standby takes over when it expires');
      }
    }
    this.setLeading(false);
    this.subscription?.unsubscribe();
    await this.mirror.close();
    await this.link.close();
  }

  status(): ReconcilerStatus {
    return {
      natsProblem: this.link.notReadyReason(),
      kvProblem: this.kvProblem,
      leader: this.leading && (this.lease?.isLeader() ?? false),
      caughtUp: this.mirror.caughtUp,
      streamProblem: this.mirror.problem(),
      leaseKnown: this.leaseKnown,
      stalled: this.stalledReason,
      epoch: this.book.lastEpoch,
    };
  }

  /** The state the HTTP views read. */
  quotaBook(): QuotaBook {
    return this.book;
  }

  clock(): number {
    return this.now();
  }

  lastCycleStats(): { epoch: number; allocations: number; activeKeys: number; durationMs: number } | undefined {
    return this.lastCycle;
  }

  private newBook(): QuotaBook {
    const c = this.options.config;
    return new QuotaBook({
      regions: c.regions,
      floorPercent: c.floorPercent,
      leaseMs: c.regionLeaseMs,
      refreshMs: c.refreshMs,
      instanceTimeoutMs: c.instanceTimeoutMs,
    });
  }

  private async onConnect(nc: NatsConnection): Promise<void> {
    const { namespace } = this.options.config.nats;
    const jsm = await nc.jetstreamManager();
    await ensureAllocationsStream(jsm, { namespace, maxAgeMs: this.options.config.streamMaxAgeMs });
    this.kv = await nc.jetstream().views.kv(reconcilerKvBucket(namespace), { history: 1 });
    this.kvProblem = undefined;
    // A new connection (the old one closed for good): lead again only after a fresh lease tick.
    if (this.leading) this.loseLeadership('NATS connection replaced');
    this.leaseKnown = false;
    this.lease = new LeaderLease(this.kv, { instanceId: this.options.config.instanceId, leaseMs: this.options.config.leaderLeaseMs, now: this.now });
    this.epochs = new EpochStore(this.kv);
    this.reportsSinceMs = this.now();
    this.subscription = nc.subscribe(globalUsageWildcard(namespace), {
      callback: (error, msg) => {
        if (error) this.log.warn('usage-subscription', { err: error }, 'usage report subscription error');
        else this.onReport(msg.subject, msg.data);
      },
    });
    // Reads through whichever connection is current; started once, it follows reconnections.
    this.mirror.start();
  }

  private onReport(subject: string, data: Uint8Array): void {
    const region = regionOfGlobalSubject(this.options.config.nats.namespace, subject);
    const keys = region === undefined ? undefined : this.options.config.signing.usageKeys.get(region);
    if (keys === undefined) {
      this.options.metrics.report('unknown_region');
      this.log.warn('unknown-region', { subject }, 'usage report on the subject of a region not in RECONCILER_REGIONS; rejected');
      return;
    }
    const verified = keys.verify('usage-report', data);
    if (!verified.ok) {
      this.options.metrics.report(verified.reason);
      this.log.warn(
        `unverified-report-${verified.reason}`,
        { subject, region, reason: verified.reason, trustedKeyIds: keys.keyIds },
        `usage report for ${region} not signed by ${region}'s key (USAGE_SIGNING_PUBLIC_KEYS); rejected`,
      );
      return;
    }
    const parsed = parseUsageReport(verified.payload);
    if (!parsed.ok) {
      this.options.metrics.report('malformed');
      this.log.warn('malformed-report', { subject, errors: parsed.errors.slice(0, 5) }, 'usage report rejected');
      return;
    }
    const report = parsed.value;
    if (region !== report.region) {
      this.options.metrics.report('region_mismatch');
      this.log.warn('region-mismatch', { subject, region: report.region }, 'usage report names another region than its subject; rejected');
      return;
    }
    const now = this.now();
    const outcome = this.book.ingest(report, now);
    this.options.metrics.report(outcome.result, outcome.staleEntries);
    if (outcome.result !== 'accepted') {
      this.log.warn(outcome.result, { region: report.region, instanceId: report.instanceId }, `usage report rejected: ${outcome.result}`);
      return;
    }
    this.lastAcceptedReportMs = now;
    // A region gave up share: raise the regions waiting for it now rather than at the next tick
    // (a move then takes lower + acknowledge, not lower + acknowledge + the rest of an interval).
    if (this.leading && this.earlyCycle === undefined && this.book.takeAcknowledgedLowering(now)) {
      this.earlyCycle = setTimeout(() => {
        this.earlyCycle = undefined;
        void this.cycleTick({ early: true });
      }, 0);
    }
  }

  /** One message of the allocation stream, in order: into the book when an allocation key signed it, or counted and logged. */
  private onAllocation(message: StreamMessage): void {
    // What nobody with an allocation key signed was never issued: it must not count in the book.
    const verified = this.options.config.signing.allocationKeys.verify('allocation', message.data);
    const parsed = verified.ok ? parseAllocationUpdate(verified.payload) : undefined;
    if (parsed?.ok === true) this.book.restore(parsed.value, this.now());
    else {
      this.options.metrics.rejectedAllocation();
      if (!verified.ok) {
        this.log.warn(
          `unverified-allocation-${verified.reason}`,
          { subject: message.subject, seq: message.seq, reason: verified.reason, trustedKeyIds: this.options.config.signing.allocationKeys.keyIds },
          'allocation stream message not signed by an allocation key; skipped',
        );
      } else if (parsed !== undefined && !parsed.ok) {
        this.log.warn('malformed-allocation', { seq: message.seq, errors: parsed.errors.slice(0, 5) }, 'allocation stream message rejected');
      }
    }
  }

  private async leaseTick(): Promise<void> {
    if (this.leaseRunning || this.stopped || this.lease === undefined || this.link.connection() === undefined) return;
    this.leaseRunning = true;
    try {
      const leads = await this.lease.tick();
      this.kvProblem = undefined;
      this.leaseKnown = true;
      if (leads && !this.leading) await this.becomeLeader();
      else if (!leads && this.leading) this.loseLeadership('lease lost');
    } catch (error) {
      this.kvProblem = `KV ${reconcilerKvBucket(this.options.config.nats.namespace)} unreachable: ${error instanceof Error ? error.message : String(error)}`;
      this.log.warn('kv', { reason: this.kvProblem }, 'leader lease not renewed');
    } finally {
      this.leaseRunning = false;
    }
  }

  private async becomeLeader(): Promise<void> {
    const epoch = await (this.epochs as EpochStore).load();
    this.book.observeEpoch(epoch);
    await this.checkHistory();
    this.leaderSinceMs = this.now();
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
    const nc = this.link.connection();
    if (nc === undefined) throw new Error('NATS connection lost while taking the lead');
    const { streamMaxAgeMs, refreshMs, intervalMs } = this.options.config;
    const state = (await (await nc.jetstreamManager({ checkAPI: false })).streams.info(globalAllocationsStream(this.options.config.nats.namespace))).state;
    const now = this.now();
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
    this.book.forgetHistoryBefore(since);
    this.options.logger.warn(
      { windowsStartedBefore: new Date(since).toISOString(), lastSeq: state.last_seq, messages: state.messages },
      `allocations may have been lost: ${why}; windows that started before then keep what each region holds until they end, or until every region reports it holds no allocation`,
    );
  }

  private loseLeadership(reason: string): void {
    this.setLeading(false);
    this.lease?.drop();
    this.options.logger.warn({ reason, unpublished: this.backlog.length }, 'no longer the leader');
    if (this.unpublished) this.rebuild();
  }

  /** Forgets everything computed locally and replays the stream; reports refill the sums. */
  private rebuild(): void {
    this.backlog = [];
    this.unpublished = false;
    this.book = this.newBook();
    this.mirror.rewind();
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    this.options.metrics.leader.set(leading ? 1 : 0);
  }

  /** A cycle, every interval; `early` for one run between ticks because a lowering was acknowledged. */
  private async cycleTick(options: { early: boolean } = { early: false }): Promise<void> {
    if (this.cycleRunning || this.stopped) return;
    const nowMs = this.now();
    this.book.prune(nowMs);
    this.options.metrics.epoch.set(this.book.lastEpoch);
    this.checkStall(nowMs);
    if (!this.leading || this.lease === undefined || !this.lease.isLeader() || !this.mirror.caughtUp) {
      // A standby keeps the rates as a leader would, so its first cycle after a takeover follows
      // the last interval's demand.
      if (!this.leading) this.book.measureRates(nowMs);
      return;
    }
    // A cold leader (just started or reconnected) waits one interval for reports; a warm standby
    // has been reading them all along and cycles at the next tick.
    if (nowMs - this.reportsSinceMs < this.options.config.intervalMs) return;
    this.cycleRunning = true;
    const stop = this.options.metrics.cycleSeconds.startTimer();
    try {
      await this.runCycle(nowMs, { measureRates: !options.early });
    } catch (error) {
      if (error instanceof LeadershipLostError) this.loseLeadership(error.message);
      else this.log.warn('cycle', { err: error }, 'reconciliation cycle failed; retrying next interval');
    } finally {
      stop();
      this.cycleRunning = false;
    }
  }

  private async runCycle(nowMs: number, options: { measureRates: boolean }): Promise<void> {
    if (!(await this.flush())) return;
    const epochs = this.epochs as EpochStore;
    const started = this.now();
    const out = this.book.cycle({ nowMs, epoch: Math.max(this.book.lastEpoch, epochs.current) + 1, measureRates: options.measureRates });
    if (out.updates.length > 0) {
      // From here until everything is published, the book holds allocations nobody may have seen.
      this.unpublished = true;
      await epochs.advance(out.lastEpoch);
      this.backlog = out.updates.flatMap((update) => this.encode(update));
      await this.flush();
    }
    this.lastCycle = { epoch: out.lastEpoch, allocations: out.allocations, activeKeys: out.activeKeys, durationMs: this.now() - started };
    this.options.metrics.epoch.set(this.book.lastEpoch);
    // Complete only once everything computed has been published.
    if (this.backlog.length === 0) this.lastCompletedCycleMs = this.now();
  }

  /**
   * A leader that has completed no cycle for STALL_INTERVALS intervals while usage reports
   * arrive is stalled: allocations no longer follow demand, whatever the reason (the allocation
   * stream not read to its end, cycles failing, publishing failing). Logged at most every 10 s
   * with the likely reason, and exported as `rl_reconciler_stalled`.
   */
  private checkStall(nowMs: number): void {
    const limitMs = STALL_INTERVALS * this.options.config.intervalMs;
    const reportsArrive = nowMs - this.lastAcceptedReportMs <= limitMs;
    const quietSince = Math.max(this.lastCompletedCycleMs, this.leaderSinceMs);
    const stalled = this.leading && reportsArrive && nowMs - quietSince > limitMs;
    if (!stalled) {
      if (this.stalledReason !== undefined) this.options.logger.info({ epoch: this.book.lastEpoch }, 'reconciliation cycles completing again');
      this.stalledReason = undefined;
      this.log.clear('stalled');
      this.options.metrics.setStalled(false);
      return;
    }
    const reason = !this.mirror.caughtUp
      ? `allocation stream not read to its end (${this.mirror.problem() ?? 'still reading'})`
      : this.backlog.length > 0
        ? `${this.backlog.length} allocation messages unpublished`
        : 'cycles are not completing';
    if (this.stalledReason === undefined) this.options.metrics.recordStall();
    this.stalledReason = reason;
    this.options.metrics.setStalled(true);
    this.log.warn('stalled', { reason, sinceMs: nowMs - quietSince, intervalMs: this.options.config.intervalMs }, `leader has completed no reconciliation cycle for ${STALL_INTERVALS}+ intervals while reports arrive: ${reason}`);
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

  /** Publishes the backlog in order, stopping at the first failure. True when it is empty. */
  private async flush(): Promise<boolean> {
    const nc = this.link.connection();
    if (nc === undefined) return this.backlog.length === 0;
    const js = nc.jetstream();
    let sent = 0;
    try {
      while (this.backlog.length > 0) {
        if (!(this.lease?.isLeader() ?? false)) throw new LeadershipLostError('lease not renewed in time; publishing stopped');
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
}
