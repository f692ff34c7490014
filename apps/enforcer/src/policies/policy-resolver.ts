import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { CheckRequest, MatchedRule } from '@rl/contracts';
import type { Logger } from 'pino';
import { EnforcerConfig } from '../config/enforcer-config';
import { LOGGER } from '@rl/platform/service';
import { compilePolicy, type CompiledPolicy } from './compiled-policy';
import { splitSnapshot } from './concurrency-policies';
import { CompiledPolicyCache, PolicyIndex } from './policy-index';
import { PolicySource, type ActivePolicies } from './policy-source';

function query(request: CheckRequest): { customerId: string | undefined; route: string | undefined; method: string | undefined } {
  const method = request.method;
  return { customerId: request.customerId, route: request.route, method: method === undefined ? undefined : method.toUpperCase() };
}

const EMPTY_SNAPSHOT: ActivePolicies = { revision: 'none', policies: [], overrides: [], customerTiers: new Map() };

/** Distinct inline limits kept compiled; beyond this the cache starts over (it only saves work). */
const INLINE_CACHE_SIZE = 1_024;

/**
 * Picks the policy of a check request: a stored policy from the precompiled PolicyIndex; else the
 * request's inline `limit`/`windowSeconds` (policy id "inline", version 0); else the configured
 * default (policy id "default", version 0). Follows the PolicySource: each new snapshot is compiled
 * off the request path and swapped in whole.
 */
@Injectable()
export class PolicyResolver implements OnModuleDestroy {
  private index: PolicyIndex;
  /** Concurrency policies only (concurrency-policies.ts), for `POST /v1/acquire`. */
  private concurrencyIndex: PolicyIndex;
  private readonly defaultPolicy: CompiledPolicy;
  private readonly inline = new Map<string, CompiledPolicy>();
  private readonly unsubscribe: () => void;
  private readonly compiled: CompiledPolicyCache;

  constructor(
    source: PolicySource,
    private readonly config: EnforcerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.compiled = new CompiledPolicyCache(config.localLimitPercent);
    this.concurrencyIndex = PolicyIndex.build({ snapshot: EMPTY_SNAPSHOT, localPercent: config.localLimitPercent });
    this.index = this.build(source.current() ?? EMPTY_SNAPSHOT);
    this.unsubscribe = source.subscribe((snapshot) => {
      this.index = this.build(snapshot);
      this.logger.info({ revision: snapshot.revision, policies: snapshot.policies.length, overrides: snapshot.overrides.length }, 'policies updated');
    });
    const d = config.defaultPolicy;
    this.defaultPolicy = compilePolicy({
      parameters: { id: 'default', version: 0, counterId: 'default', burst: d.limit, mode: 'enforce', ...d },
      localPercent: config.localLimitPercent,
    });
  }

  get revision(): string {
    return this.index.revision;
  }

  resolve(request: CheckRequest): CompiledPolicy {
    const stored = this.index.resolve(query(request));
    if (stored !== undefined) return stored;
    if (request.limit !== undefined && request.windowSeconds !== undefined) return this.inlinePolicy(request.limit, request.windowSeconds);
    return this.defaultPolicy;
  }

  /**
   * The concurrency policy of an acquire request, matched like a check's (override aside: overrides
   * are rate limits); undefined when none matches, and then nothing limits requests in flight. Its
   * `quota.limit` is the number of leases and its `windowUs` the lease.
   */
  resolveConcurrency(request: CheckRequest): CompiledPolicy | undefined {
    return this.concurrencyIndex.resolve(query(request));
  }

  /** A stored policy or override by id ("default" is the configured default); undefined when none has that id. */
  byId(policyId: string): CompiledPolicy | undefined {
    if (policyId === this.defaultPolicy.ref.id) return this.defaultPolicy;
    return this.index.byId(policyId);
  }

  /** A stored concurrency policy by id; undefined when none has that id. */
  concurrencyById(policyId: string): CompiledPolicy | undefined {
    return this.concurrencyIndex.byId(policyId);
  }

  /** `resolve`, and which rule selected the policy (dry runs, operators' questions). */
  explain(request: CheckRequest): { policy: CompiledPolicy; matched: MatchedRule } {
    const stored = this.index.explain(query(request));
    if (stored.policy !== undefined && stored.matched !== undefined) return { policy: stored.policy, matched: stored.matched };
    if (request.limit !== undefined && request.windowSeconds !== undefined) return { policy: this.inlinePolicy(request.limit, request.windowSeconds), matched: 'inline' };
    return { policy: this.defaultPolicy, matched: 'default' };
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  /** Builds both indexes of `snapshot`; returns the rate one. */
  private build(snapshot: ActivePolicies): PolicyIndex {
    const { rate, concurrency } = splitSnapshot(snapshot);
    this.concurrencyIndex = PolicyIndex.build({ snapshot: concurrency, localPercent: this.config.localLimitPercent, cache: this.compiled, previous: this.concurrencyIndex });
    return PolicyIndex.build({ snapshot: rate, localPercent: this.config.localLimitPercent, cache: this.compiled, previous: this.index });
  }

  private inlinePolicy(limit: number, windowSeconds: number): CompiledPolicy {
    const counterId = `inline:${limit}:${windowSeconds}`;
    let policy = this.inline.get(counterId);
    if (policy === undefined) {
      if (this.inline.size >= INLINE_CACHE_SIZE) this.inline.clear();
      const d = this.config.defaultPolicy;
      policy = compilePolicy({
        parameters: { id: 'inline', version: 0, counterId, algorithm: d.algorithm, failureMode: d.failureMode, limit, burst: limit, windowSeconds, mode: 'enforce' },
        localPercent: this.config.localLimitPercent,
      });
      this.inline.set(counterId, policy);
    }
    return policy;
  }
}
