import type { PolicyChangeMessage, PolicySnapshot as ControlPlaneSnapshot } from '@rl/contracts';
import { PolicyState } from './policy-state';

/** What became of an offered message. */
export type MessageOutcome =
  /** It was the next revision and is applied, maybe with buffered later ones after it. */
  | 'applied'
  /** At or below the current revision: a redelivery or a duplicate publish. Nothing changes. */
  | 'duplicate'
  /** Above the next revision (a gap), or no snapshot yet: kept until the gap closes; resync. */
  | 'buffered';

/** What became of an offered snapshot. */
export type SnapshotOutcome =
  /** Newer than the current revision (or the first one): it replaces the document. */
  | 'applied'
  /** At the current revision: nothing changes, but the revision is confirmed current. */
  | 'current'
  /** Older than the current revision: ignored, the document never moves back. */
  | 'stale'
  /** Older than a provisional document (`seed`), which yields to the control plane's first answer. */
  | 'replaced-provisional';

export interface Offered<T> {
  readonly outcome: T;
  /** The messages applied by this call, in revision order (buffered ones drained behind it included). */
  readonly applied: readonly PolicyChangeMessage[];
}

/**
 * Applies control-plane changes strictly in revision order. Revisions are gap-free and
 * commit-ordered (contracts: PolicyChangeMessage), so at revision r:
 *   - a message at r + 1 is applied;
 *   - a message at or below r is a duplicate and ignored;
 *   - a message above r + 1 means a gap: it is buffered, and the caller resyncs from a snapshot;
 *   - a snapshot above r replaces the document; one at or below r is ignored (never move back).
 * One exception: a document from `seed` (the enforcer's own persisted copy) is provisional, and
 * the first snapshot from the control plane replaces it whatever its revision, so an enforcer
 * whose control plane was rebuilt (revisions restarting) does not ignore it forever.
 * After a snapshot or an applied message, buffered messages that now follow on are applied too.
 * Pure and synchronous: transport, timing and persistence are the caller's.
 */
export class ChangeSequencer {
  private state: PolicyState | undefined;
  private provisional = false;
  private readonly pending = new Map<number, PolicyChangeMessage>();

  constructor(private readonly options: { maxPending: number } = { maxPending: 10_000 }) {}

  /** The current revision, or `undefined` before the first snapshot. */
  get revision(): number | undefined {
    return this.state?.revision;
  }

  get document(): PolicyState | undefined {
    return this.state;
  }

  /** True while buffered messages wait for revisions that have not arrived: a resync is due. */
  get hasGap(): boolean {
    return this.pending.size > 0;
  }

  offerMessage(message: PolicyChangeMessage): Offered<MessageOutcome> {
    const state = this.state;
    if (state !== undefined && message.revision <= state.revision) return { outcome: 'duplicate', applied: [] };
    if (state === undefined || message.revision > state.revision + 1) {
      if (this.pending.size >= this.options.maxPending) this.pending.clear(); // the resync covers them
      this.pending.set(message.revision, message);
      return { outcome: 'buffered', applied: [] };
    }
    state.apply(message.change, message.revision);
    return { outcome: 'applied', applied: [message, ...this.drain()] };
  }

  /** Starts from a persisted snapshot: applied like a snapshot, but provisional (see above). */
  seed(snapshot: ControlPlaneSnapshot): Offered<SnapshotOutcome> {
    const offered = this.offerSnapshot(snapshot);
    this.provisional = true;
    return offered;
  }

  offerSnapshot(snapshot: ControlPlaneSnapshot): Offered<SnapshotOutcome> {
    const current = this.state?.revision;
    if (this.provisional) {
      this.provisional = false;
      if (current !== undefined && snapshot.revision < current) {
        this.state = PolicyState.fromSnapshot(snapshot);
        this.pending.clear();
        return { outcome: 'replaced-provisional', applied: [] };
      }
    }
    if (current !== undefined && snapshot.revision < current) return { outcome: 'stale', applied: [] };
    if (current !== undefined && snapshot.revision === current) return { outcome: 'current', applied: this.drain() };
    this.state = PolicyState.fromSnapshot(snapshot);
    return { outcome: 'applied', applied: this.drain() };
  }

  /** Drops buffered messages the document already covers, then applies those that follow on. */
  private drain(): PolicyChangeMessage[] {
    const state = this.state;
    if (state === undefined) return [];
    for (const revision of this.pending.keys()) if (revision <= state.revision) this.pending.delete(revision);
    const applied: PolicyChangeMessage[] = [];
    for (let next = this.pending.get(state.revision + 1); next !== undefined; next = this.pending.get(state.revision + 1)) {
      this.pending.delete(next.revision);
      state.apply(next.change, next.revision);
      applied.push(next);
    }
    return applied;
  }
}
