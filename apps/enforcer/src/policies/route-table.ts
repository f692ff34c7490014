import type { CompiledPolicy } from './compiled-policy';
import { compileRouteGlob, type RouteGlob } from './route-glob';

/** A policy keyed by an optional route pattern and an optional method. */
export interface RouteEntry {
  readonly route: string | undefined;
  readonly method: string | undefined;
  readonly policy: CompiledPolicy;
  /** `route` already compiled (kept from an earlier index); compiled here when absent. */
  readonly glob?: RouteGlob;
}

interface GlobEntry {
  readonly glob: RouteGlob;
  readonly method: string | undefined;
  readonly policy: CompiledPolicy;
}

/** The policies of one exact route: per method, and for any method. */
interface ExactRoute {
  readonly byMethod: Map<string, CompiledPolicy>;
  anyMethod: CompiledPolicy | undefined;
}

/**
 * The per-endpoint policies of one scope (a customer, a tier, or all tiers), indexed once.
 * Lookup order, most specific first:
 *   1. exact route with the request's method, 2. exact route for any method,
 *   3. route globs, most literal characters first (a method-specific glob before an any-method one
 *      of equal specificity), 4. the method alone.
 * Exact routes and methods are map lookups; only globs are tested in turn.
 */
export class RouteTable {
  private readonly exact = new Map<string, ExactRoute>();
  private readonly globs: GlobEntry[] = [];
  private readonly methodOnly = new Map<string, CompiledPolicy>();

  constructor(entries: readonly RouteEntry[]) {
    for (const { route, method, policy, glob: compiled } of entries) {
      if (route === undefined) {
        if (method !== undefined) this.methodOnly.set(method, policy);
        continue;
      }
      const glob = compiled ?? compileRouteGlob(route);
      if (glob.exact) this.addExact(route, method, policy);
      else this.globs.push({ glob, method, policy });
    }
    this.globs.sort((a, b) => b.glob.specificity - a.glob.specificity || Number(b.method !== undefined) - Number(a.method !== undefined));
  }

  lookup(route: string | undefined, method: string | undefined): CompiledPolicy | undefined {
    if (route !== undefined) {
      const exact = this.exact.get(route);
      if (exact !== undefined) {
        const match = (method !== undefined ? exact.byMethod.get(method) : undefined) ?? exact.anyMethod;
        if (match !== undefined) return match;
      }
      for (const entry of this.globs) {
        if ((entry.method === undefined || entry.method === method) && entry.glob.test(route)) return entry.policy;
      }
    }
    return method !== undefined ? this.methodOnly.get(method) : undefined;
  }

  private addExact(route: string, method: string | undefined, policy: CompiledPolicy): void {
    let exact = this.exact.get(route);
    if (exact === undefined) {
      exact = { byMethod: new Map(), anyMethod: undefined };
      this.exact.set(route, exact);
    }
    if (method === undefined) exact.anyMethod = policy;
    else exact.byMethod.set(method, policy);
  }
}
