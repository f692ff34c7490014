import { parsePolicyChangeMessage, type PolicyChangeMessage, type PolicySnapshot as ControlPlaneSnapshot } from '@rl/contracts';
import type { Logger } from 'pino';
import { Listeners, PolicySource, SnapshotListeners, type CounterReset, type CounterResetListener, type PolicySnapshot, type SnapshotListener } from '../policy-source';
import type { ChangeFeed } from './change-feed';
import { ChangeSequencer } from './change-sequencer';
import type { PolicySyncMetrics, ResyncReason } from './policy-sync-metrics';
import { backoffMs, DEFAULT_RETRY, sleep, type RetryPolicy } from './retry';
import type { SnapshotCache } from './snapshot-cache';
import type { SnapshotClient } from './snapshot-client';
import { ThrottledLog } from '@rl/platform';

export interface ControlPlanePolicySourceOptions {
  readonly client: SnapshotClient;
  readonly feed: ChangeFeed;
  readonly cache: SnapshotCache;
  readonly metrics: PolicySyncMetrics;
  readonly logger: Logger;
  /** Re-read the snapshot this often even when nothing seems missing; 0 turns it off. */
  readonly resyncIntervalMs: number;
  readonly retry?: RetryPolicy;
  readonly now?: () => number;
  readonly random?: () => number;
}

/**
 * Policies from the control plane (POLICY_SERVICE_URL).
 *
 * Start-up: the persisted snapshot, if there is one for this control plane, is served at once;
 * then the snapshot is read from the policy service (retried with backoff while unreachable,
 * never fatal) and the change stream is consumed from the point the snapshot covers.
 *
 * Changes apply strictly in revision order (ChangeSequencer): duplicates are ignored, a gap or a
 * malformed message triggers a resync from the snapshot, and the revision never moves back (the
 * persisted copy alone yields to the policy service's first answer, see ChangeSequencer). Every
 * message is validated on receipt (parsePolicyChangeMessage); a bad one is logged (throttled),
 * counted in rl_policy_messages_rejected_total and skipped. Each new revision is published to the
 * resolver, which swaps in a new index, and persisted (atomic, debounced).
 *
 * Outages: while NATS or the policy service is unreachable the last known policies stay in force,
 * and both are retried in the background. Ready once any snapshot (read or persisted) is loaded.
 */
export class ControlPlanePolicySource extends PolicySource {
  private readonly sequencer = new ChangeSequencer();
  private readonly listeners = new SnapshotListeners();
  private readonly resets = new Listeners<CounterReset>();
  private readonly abort = new AbortController();
  private readonly log: ThrottledLog;
  private readonly retry: RetryPolicy;
  private readonly now: () => number;
  private readonly random: () => number;
  private snapshot: PolicySnapshot | undefined;
  private resyncWanted: ResyncReason | undefined;
  private resyncing: Promise<void> | undefined;
  private lastFetchProblem: string | undefined;
  private interval: NodeJS.Timeout | undefined;

  constructor(private readonly options: ControlPlanePolicySourceOptions) {
    super();
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.log = new ThrottledLog(options.logger, { intervalMs: 10_000, now: this.now });
    options.metrics.observeLiveness(() => options.feed.problem() === undefined && !this.sequencer.hasGap && this.resyncing === undefined);
  }

  /** Loads the persisted snapshot (awaited), then starts the snapshot reader and the change feed. */
  async start(): Promise<void> {
    const cached = await this.options.cache.load();
    if (cached.status === 'loaded') {
      this.options.logger.info({ file: this.options.cache.path, revision: cached.snapshot.revision, savedAt: cached.savedAt }, 'serving the persisted policy snapshot until the policy service answers');
      this.acceptSnapshot(cached.snapshot, 'cache');
    } else if (cached.status === 'unusable') {
      this.options.logger.warn({ file: this.options.cache.path, reason: cached.reason }, 'ignoring the persisted policy snapshot');
    }
    this.requestResync('start');
    this.options.feed.run({ onPositioned: () => this.requestResync('positioned'), onMessage: (data) => this.onMessage(data) });
    if (this.options.resyncIntervalMs > 0) {
      this.interval = setInterval(() => this.requestResync('interval'), this.options.resyncIntervalMs);
      this.interval.unref();
    }
  }

  current(): PolicySnapshot | undefined {
    return this.snapshot;
  }

  subscribe(listener: SnapshotListener): () => void {
    return this.listeners.add(listener);
  }

  notReadyReason(): string | undefined {
    if (this.snapshot !== undefined) return undefined;
    return `no policy snapshot loaded yet${this.lastFetchProblem === undefined ? '' : ` (${this.lastFetchProblem})`}`;
  }

  /** The applied control-plane revision, or `undefined` before the first snapshot. */
  get revision(): number | undefined {
    return this.sequencer.revision;
  }

  async close(): Promise<void> {
    this.abort.abort();
    if (this.interval !== undefined) clearInterval(this.interval);
    await this.options.feed.close();
    await this.resyncing;
    await this.options.cache.flush();
    this.listeners.clear();
    this.resets.clear();
  }

  private onMessage(data: Uint8Array): void {
    const parsed = parsePolicyChangeMessage(data);
    if (!parsed.ok) {
      this.options.metrics.messageRejected();
      this.log.warn('malformed', { errors: parsed.errors.slice(0, 5), bytes: data.byteLength }, 'skipping a malformed policy-change message');
      // It may have carried the next revision: the snapshot has that change in a valid form.
      this.requestResync('malformed');
      return;
    }
    const { outcome, applied } = this.sequencer.offerMessage(parsed.value);
    if (outcome === 'duplicate') {
      if (parsed.value.revision === this.sequencer.revision) this.options.metrics.revisionConfirmed();
      this.options.logger.debug({ revision: parsed.value.revision, current: this.sequencer.revision }, 'ignoring a policy change at or below the current revision');
      return;
    }
    if (outcome === 'buffered') {
      const current = this.sequencer.revision;
      if (current === undefined) this.options.logger.debug({ revision: parsed.value.revision }, 'policy change before the first snapshot; kept until it loads');
      else this.options.logger.info({ revision: parsed.value.revision, current }, 'gap in policy revisions; resyncing from the snapshot');
      this.requestResync('gap');
      return;
    }
    this.changesApplied(applied, { persist: true });
  }

  private changesApplied(applied: readonly PolicyChangeMessage[], options: { persist: boolean }): void {
    for (const message of applied) {
      this.options.metrics.changeApplied(message.committedAt);
      this.options.logger.debug({ revision: message.revision, kind: message.change.kind }, 'policy change applied');
    }
    this.publish(options);
    for (const { change, revision } of applied) {
      if (change.kind === 'counter.reset') this.resets.publish({ policyId: change.policyId, key: change.key, revision });
    }
  }

  override subscribeResets(listener: CounterResetListener): () => void {
    return this.resets.add(listener);
  }

  private requestResync(reason: ResyncReason): void {
    if (this.abort.signal.aborted) return;
    this.resyncWanted ??= reason;
    this.startResync();
  }

  private startResync(): void {
    if (this.resyncing !== undefined) return;
    this.resyncing = this.resyncLoop()
      .catch((error: unknown) => this.options.logger.error({ err: error }, 'policy resync failed unexpectedly; the next request retries'))
      .finally(() => {
        this.resyncing = undefined;
        // A request that came in after the loop's last check must not be lost.
        if (this.resyncWanted !== undefined && !this.abort.signal.aborted) this.startResync();
      });
  }

  /** Reads snapshots while one is wanted; one at a time, a request during a read causes one more read. */
  private async resyncLoop(): Promise<void> {
    for (let failures = 0; this.resyncWanted !== undefined && !this.abort.signal.aborted; ) {
      const reason = this.resyncWanted;
      this.resyncWanted = undefined;
      let snapshot: ControlPlaneSnapshot;
      try {
        snapshot = await this.options.client.fetch(this.abort.signal);
      } catch (error) {
        if (this.abort.signal.aborted) return;
        this.lastFetchProblem = error instanceof Error ? error.message : String(error);
        this.options.metrics.snapshotFetchFailed();
        this.log.warn('fetch', { reason: this.lastFetchProblem, revision: this.sequencer.revision }, 'policy snapshot unavailable; keeping the current policies and retrying');
        this.resyncWanted ??= reason;
        await sleep(backoffMs({ policy: this.retry, attempt: failures++, random: this.random }), this.abort.signal);
        continue;
      }
      this.lastFetchProblem = undefined;
      this.log.clear('fetch');
      this.options.metrics.snapshotRead(reason);
      this.acceptSnapshot(snapshot, reason);
      if (this.sequencer.hasGap) {
        // The snapshot is older than a change already received (a lagging read): try again shortly.
        this.resyncWanted ??= 'gap';
        await sleep(backoffMs({ policy: this.retry, attempt: failures++, random: this.random }), this.abort.signal);
      } else {
        failures = 0;
      }
    }
  }

  private acceptSnapshot(snapshot: ControlPlaneSnapshot, reason: ResyncReason | 'cache'): void {
    const before = this.sequencer.revision;
    const { outcome, applied } = reason === 'cache' ? this.sequencer.seed(snapshot) : this.sequencer.offerSnapshot(snapshot);
    if (outcome === 'replaced-provisional') {
      this.options.logger.warn(
        { snapshotRevision: snapshot.revision, persistedRevision: before },
        'the policy service is at a lower revision than the persisted snapshot (was it rebuilt?); following the policy service',
      );
    }
    if (outcome === 'stale') {
      // Usually a change that arrived over the stream while the snapshot was being read.
      this.options.logger.debug({ snapshotRevision: snapshot.revision, current: before }, 'ignoring a policy snapshot older than the applied revision');
      return;
    }
    if (outcome === 'current' && applied.length === 0) {
      this.options.metrics.revisionConfirmed();
      return;
    }
    if (outcome === 'applied' || outcome === 'replaced-provisional') {
      this.options.logger.info(
        { revision: snapshot.revision, previous: before, reason, policies: snapshot.policies.length, overrides: snapshot.overrides.length },
        'policy snapshot applied',
      );
    }
    this.changesApplied(applied, { persist: reason !== 'cache' || applied.length > 0 });
  }

  /** Hands the new revision to the resolver, updates the metrics and persists it. */
  private publish(options: { persist: boolean }): void {
    const document = this.sequencer.document;
    if (document === undefined) return;
    this.snapshot = document.toPolicySnapshot();
    this.options.metrics.revisionApplied(document.revision);
    this.listeners.publish(this.snapshot);
    if (options.persist) this.options.cache.save(document.toControlPlaneSnapshot());
  }
}
