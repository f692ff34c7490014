import type { Block, CustomerAssignment, Policy, PolicyChange, PolicySnapshot as ControlPlaneSnapshot } from '@rl/contracts';
import type { ActivePolicies } from '../policy-source';

/**
 * The control plane's policy document at one revision, as maps so a change applies in O(1):
 * policies by id, overrides by customer id, tiers by customer id. Unchanged policies keep their
 * object identity from revision to revision.
 */
export class PolicyState {
  private constructor(
    private rev: number,
    private readonly policies: Map<string, Policy>,
    private readonly overrides: Map<string, Policy>,
    private readonly customers: Map<string, CustomerAssignment>,
    private readonly blocks: Map<string, Block>,
  ) {}

  static fromSnapshot(snapshot: ControlPlaneSnapshot): PolicyState {
    return new PolicyState(
      snapshot.revision,
      new Map(snapshot.policies.map((p) => [p.id, p])),
      new Map(snapshot.overrides.map((p) => [p.match.customerId ?? p.id, p])),
      new Map(Object.entries(snapshot.customers)),
      new Map((snapshot.blocks ?? []).map((b) => [b.id, b])),
    );
  }

  get revision(): number {
    return this.rev;
  }

  /** Applies the change that takes the document to `revision` (the caller has checked the order). */
  apply(change: PolicyChange, revision: number): void {
    switch (change.kind) {
      case 'policy.upserted':
        this.policies.set(change.policy.id, change.policy);
        break;
      case 'policy.deleted':
        this.policies.delete(change.policyId);
        break;
      case 'override.upserted':
        this.overrides.set(change.customerId, change.policy);
        break;
      case 'override.deleted':
        this.overrides.delete(change.customerId);
        break;
      case 'customer.upserted':
        this.customers.set(change.customerId, change.assignment);
        break;
      case 'customer.deleted':
        this.customers.delete(change.customerId);
        break;
      case 'block.added':
        this.blocks.set(change.block.id, change.block);
        break;
      case 'block.removed':
        this.blocks.delete(change.blockId);
        break;
      case 'counter.reset':
        // An event, not state: the policy source hands it to its reset listeners.
        break;
      case 'envoy.domain.replaced':
        for (const [id, policy] of this.policies) if (policy.match.envoy?.domain === change.domain) this.policies.delete(id);
        for (const policy of change.policies) this.policies.set(policy.id, policy);
        break;
    }
    this.rev = revision;
  }

  /** The enforcer's view, for the resolver. */
  toActivePolicies(): ActivePolicies {
    const customerTiers = new Map<string, string>();
    for (const [customerId, { tier }] of this.customers) customerTiers.set(customerId, tier);
    return { revision: String(this.rev), policies: [...this.policies.values()], overrides: [...this.overrides.values()], customerTiers, blocks: [...this.blocks.values()] };
  }

  /** The control plane's wire form, for the persisted copy. */
  toControlPlaneSnapshot(): ControlPlaneSnapshot {
    return {
      revision: this.rev,
      policies: [...this.policies.values()],
      overrides: [...this.overrides.values()],
      customers: Object.fromEntries(this.customers),
      blocks: [...this.blocks.values()],
    };
  }
}
