import type { PolicyDocument } from '@rl/contracts';
import type { PolicySnapshot } from './policy-source';

export function snapshotFromDocument(document: PolicyDocument, revision: string): PolicySnapshot {
  return {
    revision,
    policies: document.policies,
    overrides: document.overrides,
    customerTiers: new Map(Object.entries(document.customers).map(([customerId, { tier }]) => [customerId, tier])),
  };
}
