import type { PolicyDocument } from '@rl/contracts';
import { PolicySource, SnapshotListeners, type ActivePolicies, type SnapshotListener } from './policy-source';
import { snapshotFromDocument } from './snapshot-from-document';

const EMPTY: PolicyDocument = { policies: [], overrides: [], customers: {} };

/**
 * A fixed, already validated document: the empty one when no POLICY_FILE is set (every request
 * then gets an inline or the default policy), or a document given by a test. `replace` publishes a
 * new snapshot, as a control-plane source would.
 */
export class StaticPolicySource extends PolicySource {
  private snapshot: ActivePolicies;
  private readonly listeners = new SnapshotListeners();
  private revision = 0;

  constructor(document: PolicyDocument = EMPTY) {
    super();
    this.snapshot = snapshotFromDocument(document, `static-${this.revision}`);
  }

  current(): ActivePolicies {
    return this.snapshot;
  }

  subscribe(listener: SnapshotListener): () => void {
    return this.listeners.add(listener);
  }

  notReadyReason(): undefined {
    return undefined;
  }

  replace(document: PolicyDocument): void {
    this.revision += 1;
    this.snapshot = snapshotFromDocument(document, `static-${this.revision}`);
    this.listeners.publish(this.snapshot);
  }

  close(): Promise<void> {
    this.listeners.clear();
    return Promise.resolve();
  }
}
