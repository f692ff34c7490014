import { createHash } from 'node:crypto';
import type { ActivePolicies } from './policy-source';

/**
 * Tells whether a policy snapshot changes what any counter enforces: its policies, overrides or
 * customer tiers. Blocks travel in the same snapshots, and automatic escalation adds and removes
 * them exactly when a key is being abused; dropping the deny cache and every lease on such a
 * snapshot would send the abusive traffic straight to Redis. Only a change to limits does that.
 *
 * Compares a SHA-256 of the limit-relevant content (tiers sorted, so Map order does not matter):
 * a few milliseconds for 10,000 policies, on a snapshot, never on a request.
 */
export class LimitChangeDetector {
  private last: string | undefined;

  /** Whether `snapshot` differs in limits from the previous one seen (the first one always does). */
  changed(snapshot: ActivePolicies): boolean {
    const tiers = [...snapshot.customerTiers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const digest = createHash('sha256').update(JSON.stringify([snapshot.policies, snapshot.overrides, tiers])).digest('base64');
    if (digest === this.last) return false;
    this.last = digest;
    return true;
  }
}
