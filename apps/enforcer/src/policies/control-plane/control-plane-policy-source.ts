import { parsePolicyChangeMessage, POLICY_CHANGE_MESSAGE_MAX_BYTES, type PolicyChangeMessage } from '@rl/contracts';
import type { Logger } from 'pino';
import { Listeners, PolicySource, SnapshotListeners, type CounterReset, type CounterResetListener, type ActivePolicies, type SnapshotListener } from '../policy-source';
import type { ChangeFeed } from './change-feed';
import { ChangeSequencer } from './change-sequencer';
import type { PolicySyncMetrics, ResyncReason } from './policy-sync-metrics';
import { backoffMs, DEFAULT_RETRY, sleep, type RetryPolicy } from './retry';
import type { SignedJournal, SnapshotCache } from './snapshot-cache';
import { SnapshotSignatureError, type SignedSnapshot, type SnapshotClient } from './snapshot-client';
import { ThrottledLog, type MessageVerifier, type Verification } from '@rl/platform';

/** Changes kept in the persisted journal before a snapshot is read to replace them. */
const MAX_JOURNAL_CHANGES = 1_000;
const decoder = new TextDecoder();

/** The persisted journal while it grows (SignedJournal is its saved form). */
interface Journal {
  snapshot: Uint8Array;
  changes: Uint8Array[];
}

export interface ControlPlanePolicySourceOptions {
  readonly client: SnapshotClient;
  readonly feed: ChangeFeed;
  readonly cache: SnapshotCache;
  readonly metrics: PolicySyncMetrics;
  /** POLICY_SIGNING_PUBLIC_KEYS: a change applies only if signed by one of them. */
  readonly verifier: MessageVerifier;
  /** The subject changes arrive on, for log lines. */
  readonly subject: string;
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
 * persisted copy alone yields to the policy service's first answer, see ChangeSequencer).
 *
 * Trust: every message is verified before it is even parsed (POLICY_SIGNING_PUBLIC_KEYS, purpose
 * `policy-change`). One that is unsigned, signed by an unknown key or wrongly signed is not
 * applied and does not move the revision; it is counted in
 * rl_policy_signature_rejections_total{source="change"}, logged at most once per interval per
 * reason with its subject and claimed revision, and skipped. It triggers no resync: a forger must
 * not be able to make every enforcer hammer the policy service, and it cannot have taken the
 * genuine revision's place (its JetStream message id carries the signature, see
 * policyChangeMsgId), so the genuine next revision still arrives and applies. Snapshots are
 * verified the same way (SnapshotClient), and so is the persisted copy when it is loaded.
 *
 * A verified message is validated (parsePolicyChangeMessage); a bad one is logged (throttled),
 * counted in rl_policy_messages_rejected_total and skipped. Each new revision is published to the
 * resolver, which swaps in a new index, and persisted as a signed journal: the last snapshot read
 * and the changes applied since, each as signed (SnapshotCache; atomic, debounced). A journal of
 * MAX_JOURNAL_CHANGES changes asks for a snapshot, which replaces it.
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
  private snapshot: ActivePolicies | undefined;
  private resyncWanted: ResyncReason | undefined;
  private resyncing: Promise<void> | undefined;
  private lastFetchProblem: string | undefined;
  private interval: NodeJS.Timeout | undefined;
  /** What the persisted copy holds: the last snapshot and the changes applied since, as signed. */
  private journal: Journal | undefined;
  /** The signed bytes of each verified change, until it is applied (or dropped) by the sequencer. */
  private readonly envelopes = new WeakMap<PolicyChangeMessage, Uint8Array>();

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
      this.options.logger.info(
        { file: this.options.cache.path, revision: cached.snapshot.revision + cached.changes.length, savedAt: cached.savedAt },
        'serving the persisted policy snapshot until the policy service answers',
      );
      this.restore(cached);
    } else if (cached.status === 'unusable') {
      if (cached.signature !== undefined) this.options.metrics.signatureRejected('cache', cached.signature);
      this.options.logger.warn({ file: this.options.cache.path, reason: cached.reason }, 'ignoring the persisted policy snapshot');
    }
    this.requestResync('start');
    this.options.feed.run({ onPositioned: () => this.requestResync('positioned'), onMessage: (data) => this.onMessage(data) });
    if (this.options.resyncIntervalMs > 0) {
      this.interval = setInterval(() => this.requestResync('interval'), this.options.resyncIntervalMs);
      this.interval.unref();
    }
  }

  current(): ActivePolicies | undefined {
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
    const verified = this.options.verifier.verify('policy-change', data);
    if (!verified.ok) {
      this.rejectUnverified(verified);
      return;
    }
    const parsed = parsePolicyChangeMessage(verified.payload);
    if (!parsed.ok) {
      this.options.metrics.messageRejected();
      this.log.warn('malformed', { errors: parsed.errors.slice(0, 5), bytes: data.byteLength }, 'skipping a malformed policy-change message');
      // It may have carried the next revision: the snapshot has that change in a valid form.
      this.requestResync('malformed');
      return;
    }
    this.envelopes.set(parsed.value, data);
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

  /** Counted and logged (at most once per interval per reason); never applied, never a resync. */
  private rejectUnverified(verified: Extract<Verification, { ok: false }>): void {
    this.options.metrics.signatureRejected('change', verified.reason);
    this.log.warn(
      `unverified-${verified.reason}`,
      { subject: this.options.subject, revision: claimedRevision(verified.payload), reason: verified.reason, trustedKeyIds: this.options.verifier.keyIds },
      'ignoring a policy change that does not verify against POLICY_SIGNING_PUBLIC_KEYS',
    );
  }

  private changesApplied(applied: readonly PolicyChangeMessage[], options: { persist: boolean }): void {
    for (const message of applied) {
      this.options.metrics.changeApplied(message.committedAt);
      this.options.logger.debug({ revision: message.revision, kind: message.change.kind }, 'policy change applied');
    }
    this.journalChanges(applied);
    this.publish(options);
    for (const { change, revision } of applied) {
      if (change.kind === 'counter.reset') this.resets.publish({ policyId: change.policyId, key: change.key, revision });
    }
  }

  override subscribeResets(listener: CounterResetListener): () => void {
    return this.resets.add(listener);
  }

  /** Appends applied changes to the persisted journal; a long journal asks for a snapshot to replace it. */
  private journalChanges(applied: readonly PolicyChangeMessage[]): void {
    if (this.journal === undefined) return;
    for (const message of applied) {
      const envelope = this.envelopes.get(message);
      // Every applied change came through onMessage; one without its envelope would leave a gap
      // that makes the whole file unusable, so stop journaling until the next snapshot.
      if (envelope === undefined) {
        this.journal = undefined;
        return;
      }
      this.journal.changes.push(envelope);
    }
    if (this.journal.changes.length >= MAX_JOURNAL_CHANGES) this.requestResync('compact');
  }

  /** Starts from the persisted journal: its snapshot as a provisional seed, then its changes. */
  private restore(cached: Extract<Awaited<ReturnType<SnapshotCache['load']>>, { status: 'loaded' }>): void {
    this.sequencer.seed(cached.snapshot);
    for (const change of cached.changes) this.sequencer.offerMessage(change);
    this.journal = { snapshot: cached.journal.snapshot, changes: [...cached.journal.changes] };
    this.publish({ persist: false });
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
      let signed: SignedSnapshot;
      try {
        signed = await this.options.client.fetch(this.abort.signal);
      } catch (error) {
        if (this.abort.signal.aborted) return;
        this.lastFetchProblem = error instanceof Error ? error.message : String(error);
        this.options.metrics.snapshotFetchFailed();
        if (error instanceof SnapshotSignatureError) this.options.metrics.signatureRejected('snapshot', error.reason);
        this.log.warn('fetch', { reason: this.lastFetchProblem, revision: this.sequencer.revision }, 'policy snapshot unavailable; keeping the current policies and retrying');
        this.resyncWanted ??= reason;
        await sleep(backoffMs({ policy: this.retry, attempt: failures++, random: this.random }), this.abort.signal);
        continue;
      }
      this.lastFetchProblem = undefined;
      this.log.clear('fetch');
      this.options.metrics.snapshotRead(reason);
      this.acceptSnapshot(signed, reason);
      if (this.sequencer.hasGap) {
        // The snapshot is older than a change already received (a lagging read): try again shortly.
        this.resyncWanted ??= 'gap';
        await sleep(backoffMs({ policy: this.retry, attempt: failures++, random: this.random }), this.abort.signal);
      } else {
        failures = 0;
      }
    }
  }

  private acceptSnapshot(signed: SignedSnapshot, reason: ResyncReason): void {
    const { snapshot } = signed;
    const before = this.sequencer.revision;
    const { outcome, applied } = this.sequencer.offerSnapshot(snapshot);
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
    // The journal restarts from this snapshot (at or above the applied revision), which shortens
    // it; at the same revision, also when it is signed differently (a rotated key: the persisted
    // copy follows within one resync, so the old key can be retired).
    const journal = this.journal;
    const rebase = outcome !== 'current' || journal === undefined || journal.changes.length > 0 || !sameSignatureLine(journal.snapshot, signed.envelope);
    if (rebase) this.journal = { snapshot: signed.envelope, changes: [] };
    if (outcome === 'current' && applied.length === 0) {
      this.options.metrics.revisionConfirmed();
      if (rebase) this.persist();
      return;
    }
    if (outcome === 'applied' || outcome === 'replaced-provisional') {
      this.options.logger.info(
        { revision: snapshot.revision, previous: before, reason, policies: snapshot.policies.length, overrides: snapshot.overrides.length },
        'policy snapshot applied',
      );
    }
    this.changesApplied(applied, { persist: true });
  }

  /** Hands the new revision to the resolver, updates the metrics and persists it. */
  private publish(options: { persist: boolean }): void {
    const document = this.sequencer.document;
    if (document === undefined) return;
    this.snapshot = document.toActivePolicies();
    this.options.metrics.revisionApplied(document.revision);
    this.listeners.publish(this.snapshot);
    if (options.persist) this.persist();
  }

  /** Schedules a write of the journal (a copy: it grows after this). */
  private persist(): void {
    const journal = this.journal;
    if (journal !== undefined) this.options.cache.save({ snapshot: journal.snapshot, changes: [...journal.changes] } satisfies SignedJournal);
  }
}

/** The revision a refused message claims, for the log line only (it is not to be trusted). */
function claimedRevision(payload: Uint8Array | undefined): number | undefined {
  if (payload === undefined || payload.byteLength > POLICY_CHANGE_MESSAGE_MAX_BYTES) return undefined;
  try {
    const raw: unknown = JSON.parse(decoder.decode(payload));
    const revision = typeof raw === 'object' && raw !== null && 'revision' in raw ? raw.revision : undefined;
    return typeof revision === 'number' && Number.isSafeInteger(revision) ? revision : undefined;
  } catch {
    return undefined;
  }
}

/** Whether two envelopes start with the same signature line. */
function sameSignatureLine(a: Uint8Array, b: Uint8Array): boolean {
  const end = a.indexOf(0x0a);
  if (end === -1 || b.indexOf(0x0a) !== end) return false;
  for (let i = 0; i < end; i += 1) if (a[i] !== b[i]) return false;
  return true;
}
