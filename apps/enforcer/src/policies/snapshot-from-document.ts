import type { PolicyDocument } from '@rl/contracts';
import type { ActivePolicies } from './policy-source';

export function snapshotFromDocument(document: PolicyDocument, revision: string): ActivePolicies {
  return {
    revision,
    policies: document.policies,
    overrides: document.overrides,
    customerTiers: new Map(Object.entries(document.customers).map(([customerId, { tier }]) => [customerId, tier])),
  };
}
