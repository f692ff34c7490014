import type { PolicyChange, PolicyChangeMessage } from '@rl/contracts';
import { canonicalPolicy } from '../policies/policy-row';

/** An outbox message (stored as jsonb, keys reordered) with its fields back in the typed order. */
export function canonicalMessage(message: PolicyChangeMessage): PolicyChangeMessage {
  return { revision: message.revision, committedAt: message.committedAt, change: canonicalChange(message.change) };
}

function canonicalChange(change: PolicyChange): PolicyChange {
  switch (change.kind) {
    case 'policy.upserted':
      return { kind: change.kind, policy: canonicalPolicy(change.policy) };
    case 'policy.deleted':
      return { kind: change.kind, policyId: change.policyId };
    case 'override.upserted':
      return { kind: change.kind, customerId: change.customerId, policy: canonicalPolicy(change.policy) };
    case 'override.deleted':
      return { kind: change.kind, customerId: change.customerId };
    case 'customer.upserted':
      return { kind: change.kind, customerId: change.customerId, assignment: { tier: change.assignment.tier } };
    case 'customer.deleted':
      return { kind: change.kind, customerId: change.customerId };
    case 'block.added': {
      const { id, type, value, expiresAt, reason, source } = change.block;
      return { kind: change.kind, block: { id, type, value, expiresAt, reason, source } };
    }
    case 'block.removed':
      return { kind: change.kind, blockId: change.blockId };
    case 'counter.reset':
      return { kind: change.kind, policyId: change.policyId, key: change.key };
    case 'envoy.domain.replaced':
      return { kind: change.kind, domain: change.domain, policies: change.policies.map(canonicalPolicy) };
  }
}
