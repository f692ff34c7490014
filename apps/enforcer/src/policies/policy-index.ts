import type { Policy } from '@rl/contracts';
import { compilePolicy, type CompiledPolicy } from './compiled-policy';
import type { PolicySnapshot } from './policy-source';
import { RouteTable, type RouteEntry } from './route-table';

/** The request fields that select a policy. `method` must already be upper case. */
export interface PolicyQuery {
  readonly customerId: string | undefined;
  readonly route: string | undefined;
  readonly method: string | undefined;
}

interface Scope {
  /** Policies of this scope with a route and/or method. */
  readonly routes: RouteTable;
  /** The policy of this scope without route or method. */
  readonly base: CompiledPolicy | undefined;
}

/**
 * A snapshot's policies compiled into maps, built once per snapshot and then only read:
 *   overrides by customerId, customer policies by customerId, tier policies by tier, and the
 *   route/method policies of every scope in a RouteTable.
 *
 * Resolution order, first match wins:
 *   1. the customer's override;
 *   2. the customer's own policies (route/method ones first, then the customer-wide one);
 *   3. the customer's tier policies for the route/method;
 *   4. route/method policies that name no tier or customer;
 *   5. the customer's tier-wide policy.
 * `undefined` means no stored policy matches (the caller then uses an inline limit or the default).
 */
export class PolicyIndex {
  private constructor(
    private readonly overrides: ReadonlyMap<string, CompiledPolicy>,
    private readonly customers: ReadonlyMap<string, Scope>,
    private readonly tiers: ReadonlyMap<string, Scope>,
    private readonly anyTierRoutes: RouteTable,
    private readonly customerTiers: ReadonlyMap<string, string>,
    readonly revision: string,
  ) {}

  static build(input: { snapshot: PolicySnapshot; localPercent: number }): PolicyIndex {
    const compile = (policy: Policy): CompiledPolicy =>
      compilePolicy({ parameters: { ...policy, counterId: policy.id }, localPercent: input.localPercent });

    const overrides = new Map<string, CompiledPolicy>();
    for (const policy of input.snapshot.overrides) {
      if (policy.match.customerId !== undefined) overrides.set(policy.match.customerId, compile(policy));
    }

    const byCustomer = new Grouped();
    const byTier = new Grouped();
    const anyTier: RouteEntry[] = [];
    for (const policy of input.snapshot.policies) {
      const { customerId, customerTier, route, method } = policy.match;
      const compiled = compile(policy);
      if (customerId !== undefined) byCustomer.add(customerId, { route, method, policy: compiled });
      else if (customerTier !== undefined) byTier.add(customerTier, { route, method, policy: compiled });
      else anyTier.push({ route, method, policy: compiled });
    }

    return new PolicyIndex(overrides, byCustomer.scopes(), byTier.scopes(), new RouteTable(anyTier), input.snapshot.customerTiers, input.snapshot.revision);
  }

  resolve(query: PolicyQuery): CompiledPolicy | undefined {
    const { customerId, route, method } = query;
    let tier: string | undefined;
    if (customerId !== undefined) {
      const override = this.overrides.get(customerId);
      if (override !== undefined) return override;
      const own = this.customers.get(customerId);
      if (own !== undefined) {
        const match = own.routes.lookup(route, method) ?? own.base;
        if (match !== undefined) return match;
      }
      tier = this.customerTiers.get(customerId);
    }
    const tierScope = tier !== undefined ? this.tiers.get(tier) : undefined;
    return tierScope?.routes.lookup(route, method) ?? this.anyTierRoutes.lookup(route, method) ?? tierScope?.base;
  }
}

/** Collects route entries and the scope-wide policy per key (customer id or tier). */
class Grouped {
  private readonly entries = new Map<string, { routes: RouteEntry[]; base: CompiledPolicy | undefined }>();

  add(key: string, entry: RouteEntry): void {
    let group = this.entries.get(key);
    if (group === undefined) {
      group = { routes: [], base: undefined };
      this.entries.set(key, group);
    }
    if (entry.route === undefined && entry.method === undefined) group.base = entry.policy;
    else group.routes.push(entry);
  }

  scopes(): Map<string, Scope> {
    const scopes = new Map<string, Scope>();
    for (const [key, group] of this.entries) scopes.set(key, { routes: new RouteTable(group.routes), base: group.base });
    return scopes;
  }
}
