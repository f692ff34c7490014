import type { CustomerAssignment } from '../policies/customer-assignment';
import type { Policy } from '../policies/policy';
import type { Block } from './block.dto';

/** Kinds of change, each carrying the entity's full state after the change. */
export const POLICY_CHANGE_KINDS = [
  'policy.upserted',
  'policy.deleted',
  'override.upserted',
  'override.deleted',
  'customer.upserted',
  'customer.deleted',
  'block.added',
  'block.removed',
  'counter.reset',
  'envoy.domain.replaced',
] as const;
export type PolicyChangeKind = (typeof POLICY_CHANGE_KINDS)[number];

export type PolicyChange =
  | { readonly kind: 'policy.upserted'; readonly policy: Policy }
  | { readonly kind: 'policy.deleted'; readonly policyId: string }
  | { readonly kind: 'override.upserted'; readonly customerId: string; readonly policy: Policy }
  | { readonly kind: 'override.deleted'; readonly customerId: string }
  | { readonly kind: 'customer.upserted'; readonly customerId: string; readonly assignment: CustomerAssignment }
  | { readonly kind: 'customer.deleted'; readonly customerId: string }
  | { readonly kind: 'block.added'; readonly block: Block }
  | { readonly kind: 'block.removed'; readonly blockId: string }
  /**
   * An operator reset one counter: `key` (the counted identity) under policy `policyId`, in every
   * region. An event, not state: enforcers apply it once (delete the counter, drop this key's
   * lease and deny-cache entry) and the snapshot does not carry it.
   */
  | { readonly kind: 'counter.reset'; readonly policyId: string; readonly key: string }
  /**
   * An envoyproxy/ratelimit file was imported for `domain`: `policies` (each matching
   * `match.envoy.domain` = `domain`) are now all of that domain's policies, replacing every earlier
   * one in this single revision.
   */
  | { readonly kind: 'envoy.domain.replaced'; readonly domain: string; readonly policies: readonly Policy[] };

/**
 * One message on the policy-changes stream. `revision` is the control plane's gap-free
 * revision after this change: an enforcer at revision r applies r + 1 next, resyncs from the
 * snapshot on a gap, and ignores anything at or below r (a redelivery or a duplicate).
 */
export interface PolicyChangeMessage {
  readonly revision: number;
  /** ISO-8601 commit time, for propagation-latency measurement. */
  readonly committedAt: string;
  readonly change: PolicyChange;
}
