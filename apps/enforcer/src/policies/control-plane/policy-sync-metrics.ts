import { VERIFICATION_FAILURES, type VerificationFailure } from '@rl/platform';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Why a snapshot was read. Bounded label values. `compact`: the persisted change journal is long, a snapshot replaces it. */
export type ResyncReason = 'start' | 'positioned' | 'gap' | 'malformed' | 'interval' | 'compact';

/** Where a message that did not verify came from: the change stream, a snapshot read, or the persisted copy. */
export type SignedSource = 'change' | 'snapshot' | 'cache';
const SIGNED_SOURCES: readonly SignedSource[] = ['change', 'snapshot', 'cache'];

/**
 * The series of policy propagation: which revision this enforcer enforces, how long ago that was
 * last confirmed current, how fast changes arrive, and what was rejected or resynced.
 */
export class PolicySyncMetrics {
  private readonly revision: Gauge;
  private readonly rejected: Counter;
  private readonly unverified: Counter<'source' | 'reason'>;
  private readonly applied: Counter;
  private readonly resyncs: Counter<'reason'>;
  private readonly fetchFailures: Counter;
  private readonly propagation: Histogram;
  private confirmedAt: number | undefined;
  private isLive: () => boolean = () => false;

  constructor(
    registry: Registry,
    private readonly now: () => number = Date.now,
  ) {
    this.revision = new Gauge({
      name: 'rl_policy_revision',
      help: 'Control-plane revision of the policies this enforcer applies (absent until a snapshot is loaded)',
      registers: [registry],
    });
    const ageSeconds = (): number | undefined => {
      if (this.confirmedAt === undefined) return undefined;
      if (this.isLive()) this.confirmedAt = this.now();
      return (this.now() - this.confirmedAt) / 1000;
    };
    new Gauge({
      name: 'rl_policy_revision_age_seconds',
      help: 'Seconds since the applied revision was last known current (change feed live, a change applied or a snapshot read); grows while the control plane is unreachable',
      registers: [registry],
      collect(): void {
        const age = ageSeconds();
        if (age !== undefined) this.set(age);
      },
    });
    this.rejected = new Counter({
      name: 'rl_policy_messages_rejected_total',
      help: 'Policy-change messages that failed validation and were skipped',
      registers: [registry],
    });
    this.unverified = new Counter({
      name: 'rl_policy_signature_rejections_total',
      help: 'Policy changes, snapshots and persisted copies not applied because their signature did not verify against POLICY_SIGNING_PUBLIC_KEYS (unsigned, unknown_key, bad_signature)',
      labelNames: ['source', 'reason'],
      registers: [registry],
    });
    for (const source of SIGNED_SOURCES) for (const reason of VERIFICATION_FAILURES) this.unverified.inc({ source, reason }, 0);
    this.applied = new Counter({ name: 'rl_policy_changes_applied_total', help: 'Policy changes applied from the change stream', registers: [registry] });
    this.resyncs = new Counter({
      name: 'rl_policy_resyncs_total',
      help: 'Snapshots read from the policy service, by reason',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.fetchFailures = new Counter({
      name: 'rl_policy_snapshot_fetch_errors_total',
      help: 'Failed reads of the policy snapshot (each one is retried with backoff)',
      registers: [registry],
    });
    this.propagation = new Histogram({
      name: 'rl_policy_propagation_seconds',
      help: 'From a change committed in the control plane to this enforcer applying it',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }

  /** While `probe` says the change feed is live and nothing is missing, the revision counts as current. */
  observeLiveness(probe: () => boolean): void {
    this.isLive = probe;
  }

  revisionApplied(revision: number): void {
    this.revision.set(revision);
    this.confirmedAt = this.now();
  }

  /** The current revision was found to be the latest (a snapshot at it, or a duplicate of it). */
  revisionConfirmed(): void {
    this.confirmedAt = this.now();
  }

  changeApplied(committedAt: string): void {
    this.applied.inc();
    const committed = Date.parse(committedAt);
    if (Number.isFinite(committed)) this.propagation.observe(Math.max(0, this.now() - committed) / 1000);
  }

  messageRejected(): void {
    this.rejected.inc();
  }

  signatureRejected(source: SignedSource, reason: VerificationFailure): void {
    this.unverified.inc({ source, reason });
  }

  snapshotRead(reason: ResyncReason): void {
    this.resyncs.inc({ reason });
  }

  snapshotFetchFailed(): void {
    this.fetchFailures.inc();
  }
}
