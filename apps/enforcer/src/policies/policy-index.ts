import type { MatchedRule, Policy } from '@rl/contracts';
import { compilePolicy, rateParameters, type CompiledPolicy } from './compiled-policy';
import type { ActivePolicies } from './policy-source';
import { compileRouteGlob, type RouteGlob } from './route-glob';
import { RouteTable, type RouteEntry } from './route-table';

/**
 * Compiled forms of policies, kept from one index to the next by policy object identity: a
 * control-plane change replaces one policy object and keeps the others, so a rebuild compiles
 * only what changed. Entries of policies no longer referenced are garbage-collected.
 */
export class CompiledPolicyCache {
  private readonly entries = new WeakMap<Policy, { readonly compiled: CompiledPolicy; readonly glob: RouteGlob | undefined }>();

  constructor(private readonly localPercent: number) {}

  get(policy: Policy): { readonly compiled: CompiledPolicy; readonly glob: RouteGlob | undefined } {
    let entry = this.entries.get(policy);
    if (entry === undefined) {
      entry = {
        compiled: compilePolicy({ parameters: rateParameters(policy), localPercent: this.localPercent }),
        glob: policy.match.route === undefined ? undefined : compileRouteGlob(policy.match.route),
      };
      this.entries.set(policy, entry);
    }
    return entry;
  }
}

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
  /** Every policy of the scope in snapshot order: a rebuild reuses the scope while these are the same objects. */
  readonly members: readonly CompiledPolicy[];
}

const NO_ROUTES = new RouteTable([]);

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
  /** Which rule the last `resolve` matched by; read right after it (see `explain`). */
  private lastMatch: MatchedRule | undefined;

  private constructor(
    private readonly overrides: ReadonlyMap<string, CompiledPolicy>,
    private readonly customers: ReadonlyMap<string, Scope>,
    private readonly tiers: ReadonlyMap<string, Scope>,
    private readonly anyTier: Scope,
    private readonly customerTiers: ReadonlyMap<string, string>,
    readonly revision: string,
    /** Every stored policy and override by id, for operators' questions (counters); built lazily. */
    private readonly all: readonly Policy[],
    private readonly cache: CompiledPolicyCache,
  ) {}

  /** The stored policy or override with this id, compiled; undefined when there is none. */
  byId(id: string): CompiledPolicy | undefined {
    const policy = this.all.find((p) => p.id === id);
    return policy === undefined ? undefined : this.cache.get(policy).compiled;
  }

  /**
   * `cache` (same localPercent) and `previous` (an index built with that cache) let a rebuild
   * reuse what an earlier build compiled: only the scopes whose policies changed are rebuilt, so a
   * control-plane change costs little even with 10,000 policies loaded.
   */
  static build(input: { snapshot: ActivePolicies; localPercent: number; cache?: CompiledPolicyCache; previous?: PolicyIndex }): PolicyIndex {
    const cache = input.cache ?? new CompiledPolicyCache(input.localPercent);

    const overrides = new Map<string, CompiledPolicy>();
    for (const policy of input.snapshot.overrides) {
      if (policy.match.customerId !== undefined) overrides.set(policy.match.customerId, cache.get(policy).compiled);
    }

    const byCustomer = new Grouped();
    const byTier = new Grouped();
    const anyTier = new Grouped();
    for (const policy of input.snapshot.policies) {
      // Rules imported from envoyproxy/ratelimit files decide only their domain's gRPC requests (src/envoy).
      if (policy.match.envoy !== undefined) continue;
      const { customerId, customerTier, route, method } = policy.match;
      const { compiled, glob } = cache.get(policy);
      const entry: RouteEntry = { route, method, policy: compiled, glob };
      if (customerId !== undefined) byCustomer.add(customerId, entry);
      else if (customerTier !== undefined) byTier.add(customerTier, entry);
      else anyTier.add('', entry);
    }

    const previous = input.previous;
    return new PolicyIndex(
      overrides,
      byCustomer.scopes(previous?.customers),
      byTier.scopes(previous?.tiers),
      anyTier.scopes(previous === undefined ? undefined : new Map([['', previous.anyTier]])).get('') ?? EMPTY_SCOPE,
      input.snapshot.customerTiers,
      input.snapshot.revision,
      [...input.snapshot.overrides, ...input.snapshot.policies],
      cache,
    );
  }

  resolve(query: PolicyQuery): CompiledPolicy | undefined {
    const { customerId, route, method } = query;
    let tier: string | undefined;
    if (customerId !== undefined) {
      const override = this.overrides.get(customerId);
      if (override !== undefined) return this.matched('override', override);
      const own = this.customers.get(customerId);
      if (own !== undefined) {
        const match = own.routes.lookup(route, method) ?? own.base;
        if (match !== undefined) return this.matched('customer', match);
      }
      tier = this.customerTiers.get(customerId);
    }
    const tierScope = tier !== undefined ? this.tiers.get(tier) : undefined;
    const routed = tierScope?.routes.lookup(route, method) ?? this.anyTier.routes.lookup(route, method);
    if (routed !== undefined) return this.matched('tier-route', routed);
    return this.matched('tier', tierScope?.base);
  }

  /** `resolve`, and which rule matched (undefined when nothing did). Off the hot path: dry runs. */
  explain(query: PolicyQuery): { policy: CompiledPolicy | undefined; matched: MatchedRule | undefined } {
    const policy = this.resolve(query);
    return { policy, matched: policy === undefined ? undefined : this.lastMatch };
  }

  /** Notes the rule `policy` matched by (a field write: no allocation on the hot path). */
  private matched(rule: MatchedRule, policy: CompiledPolicy | undefined): CompiledPolicy | undefined {
    this.lastMatch = rule;
    return policy;
  }
}

const EMPTY_SCOPE: Scope = { routes: NO_ROUTES, base: undefined, members: [] };

/** Collects route entries and the scope-wide policy per key (customer id, tier, or '' for any tier). */
class Grouped {
  private readonly entries = new Map<string, { routes: RouteEntry[]; base: CompiledPolicy | undefined; members: CompiledPolicy[] }>();

  add(key: string, entry: RouteEntry): void {
    let group = this.entries.get(key);
    if (group === undefined) {
      group = { routes: [], base: undefined, members: [] };
      this.entries.set(key, group);
    }
    group.members.push(entry.policy);
    if (entry.route === undefined && entry.method === undefined) group.base = entry.policy;
    else group.routes.push(entry);
  }

  /** One Scope per key; a key whose members are the same objects as in `previous` keeps its old Scope. */
  scopes(previous?: ReadonlyMap<string, Scope>): Map<string, Scope> {
    const scopes = new Map<string, Scope>();
    for (const [key, group] of this.entries) {
      const old = previous?.get(key);
      if (old !== undefined && sameMembers(old.members, group.members)) scopes.set(key, old);
      else scopes.set(key, { routes: group.routes.length === 0 ? NO_ROUTES : new RouteTable(group.routes), base: group.base, members: group.members });
    }
    return scopes;
  }
}

function sameMembers(a: readonly CompiledPolicy[], b: readonly CompiledPolicy[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
