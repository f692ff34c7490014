import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { CounterLimitStateView, CounterStateView } from '@rl/contracts';
import { decideGlobalWindow, DecisionPipeline, StoreBackend } from '@rl/decision-pipeline';
import { ALGORITHMS, buildConcurrencyKey, buildCounterKey, buildGlobalCounterKey, safeIdentity, StoreError, type LeaseView } from '@rl/limiter-core';
import { scriptKeys } from '@rl/redis-store';
import { stackedKeys, stackedRequest } from '../check/stacked-request';
import type { Logger } from 'pino';
import { EnforcerConfig } from '../config/enforcer-config';
import { LOGGER } from '@rl/platform/service';
import { GlobalSyncService } from '../global/global-sync.service';
import type { CompiledPolicy } from '../policies/compiled-policy';
import { PolicyResolver } from '../policies/policy-resolver';
import { PolicySource, type CounterReset } from '../policies/policy-source';

/** No policy has the id an operator asked about. */
export class UnknownPolicyError extends Error {
  constructor(readonly policyId: string) {
    super(`no policy "${policyId}" is loaded in this region`);
    this.name = 'UnknownPolicyError';
  }
}

/** The counter the store could not be read for; the caller reports the region as unreachable. */
export class CounterUnavailableError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'CounterUnavailableError';
  }
}

/**
 * Operators' view of one counter in this region, and its resets.
 *
 * - `inspect` reads the counter without consuming: a dry-run peek (cost 0) through the same
 *   pipeline as checks, plus this instance's own lease and deny-cache entry for it. A stacked
 *   policy shows every limit (`limits`); a concurrency policy shows the key's leases held now,
 *   read from its sorted set (concurrency/peek.lua) without trimming it.
 * - Resets arrive as `counter.reset` changes on the (signed) policy-change stream, so every
 *   instance of every region sees each one: each deletes the counter's keys (every algorithm's,
 *   the global count's, a stack's limits', the leases of a concurrency policy) from its regional Redis, and forgets its lease (without giving the units
 *   back) and its deny-cache entry. Deleting is idempotent, so many instances doing it agree.
 */
@Injectable()
export class CounterInspector implements OnApplicationBootstrap, OnApplicationShutdown {
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly resolver: PolicyResolver,
    private readonly pipeline: DecisionPipeline,
    private readonly backend: StoreBackend,
    private readonly sync: GlobalSyncService,
    private readonly source: PolicySource,
    private readonly config: EnforcerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.unsubscribe = this.source.subscribeResets((reset) => void this.reset(reset));
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
  }

  async inspect(query: { key?: string; policyId?: string; customerId?: string }): Promise<CounterStateView> {
    const { policy, key, concurrency } = this.counterOf(query);
    if (concurrency) return this.inspectLeases(policy, key);
    let view: { limit: number; remaining: number; resetUs: number; degraded: boolean; limits?: CounterLimitStateView[] };
    if (policy.stack !== undefined) {
      // A stack: its most constraining limit right now, as a check's X-RateLimit-* describe it. A
      // global limit is shown against this region's cap for its window, the count it enforces.
      const stack = policy.stack;
      const identity = safeIdentity(key);
      const asked = stackedRequest({ policy, stack, identity: key, cost: 0, dryRun: true, nowUs: Date.now() * 1000 });
      const request = {
        ...asked,
        limits: asked.limits.map((limit, i) =>
          limit.global === undefined ? limit : { ...limit, limit: this.sync.capFor({ policy, identity, windowStartMs: limit.global.expectedStartMs, limit: stack.limits[i] }) ?? 0 },
        ),
      };
      const outcome = await this.pipeline.decide({ request, failureMode: 'closed', local: { ...policy.localQuota, limits: stack.localQuotas } });
      const { decision } = outcome;
      const limits = stack.limits.map((limit, i) => ({ name: limit.itemName, ...limitState({ limit: request.limits[i].limit, remaining: decision.limits[i]?.remaining ?? 0, resetUs: decision.limits[i]?.resetUs ?? 0 }) }));
      view = { limit: request.limits[decision.constraining].limit, remaining: decision.remaining, resetUs: decision.resetUs, degraded: outcome.source !== 'store', limits };
    } else if (policy.scope === 'global') {
      const identity = safeIdentity(key);
      const windowMs = Math.max(1, Math.round(policy.windowUs / 1000));
      const outcome = await decideGlobalWindow(this.pipeline, {
        key: buildGlobalCounterKey({ policyId: policy.counterId, identity: key }),
        cost: 0,
        windowMs,
        nowMs: Date.now(),
        capFor: (windowStartMs) => this.sync.capFor({ policy, identity, windowStartMs }),
        failureMode: 'closed',
        localPercent: this.config.localLimitPercent,
        allocationWaitMs: () => this.sync.catchUpRemainingMs(),
        dryRun: true,
      });
      const cap = this.sync.capFor({ policy, identity, windowStartMs: outcome.decision.windowStartMs }) ?? 0;
      view = { limit: cap, remaining: outcome.decision.remaining, resetUs: outcome.decision.resetUs, degraded: outcome.source !== 'store' };
    } else {
      const outcome = await this.pipeline.decide({
        request: {
          key: buildCounterKey({ policyId: policy.counterId, identity: key, algorithm: policy.algorithm }),
          algorithm: policy.algorithm,
          limit: policy.quota.limit,
          windowUs: policy.windowUs,
          burst: policy.quota.burst,
          cost: 0,
          dryRun: true,
        },
        failureMode: 'closed',
        local: policy.localQuota,
      });
      view = { limit: policy.quota.limit, remaining: outcome.decision.remaining, resetUs: outcome.decision.resetUs, degraded: outcome.source !== 'store' };
    }
    if (view.degraded) throw new CounterUnavailableError('the counter store is unavailable in this region');
    const counterKey =
      policy.stack !== undefined
        ? stackedKeys({ policy, stack: policy.stack, identity: key })[0]
        : policy.scope === 'global'
          ? buildGlobalCounterKey({ policyId: policy.counterId, identity: key })
          : buildCounterKey({ policyId: policy.counterId, identity: key, algorithm: policy.algorithm });
    const held = this.backend.describeKey(counterKey);
    return {
      region: this.config.region,
      instance: this.config.instanceId,
      policy: policy.ref,
      key,
      algorithm: policy.algorithm,
      scope: policy.scope,
      ...limitState(view),
      leasedUnits: held.leaseUnits,
      denyCached: held.denyCached,
      ...(view.limits === undefined ? {} : { limits: view.limits }),
    };
  }

  /** A concurrency policy's leases of `key` in this region's store. */
  private async inspectLeases(policy: CompiledPolicy, key: string): Promise<CounterStateView> {
    const concurrency = this.backend.concurrency;
    if (concurrency === undefined) throw new CounterUnavailableError('this region keeps no concurrency leases');
    let leases: LeaseView;
    try {
      leases = await concurrency.peek({ key: buildConcurrencyKey({ policyId: policy.counterId, identity: key }) });
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      throw new CounterUnavailableError('the counter store is unavailable in this region');
    }
    const limit = policy.quota.limit;
    return {
      region: this.config.region,
      instance: this.config.instanceId,
      policy: policy.ref,
      key,
      algorithm: 'concurrency',
      scope: policy.scope,
      ...limitState({ limit, remaining: Math.max(0, limit - leases.inFlight), resetUs: leases.resetUs }),
      leasedUnits: 0,
      denyCached: false,
      leases: { inFlight: leases.inFlight, nextExpirySeconds: leases.nextExpiryUs / MICROS },
    };
  }

  /** The policy and identity a query names, and whether the policy limits concurrency. Throws UnknownPolicyError. */
  private counterOf(query: { key?: string; policyId?: string; customerId?: string }): { policy: CompiledPolicy; key: string; concurrency: boolean } {
    if (query.policyId !== undefined && query.key !== undefined) {
      const policy = this.resolver.byId(query.policyId);
      if (policy !== undefined) return { policy, key: query.key, concurrency: false };
      const concurrencyPolicy = this.resolver.concurrencyById(query.policyId);
      if (concurrencyPolicy === undefined) throw new UnknownPolicyError(query.policyId);
      return { policy: concurrencyPolicy, key: query.key, concurrency: true };
    }
    const customerId = query.customerId as string;
    return { policy: this.resolver.explain({ key: customerId, customerId }).policy, key: customerId, concurrency: false };
  }

  private async reset(reset: CounterReset): Promise<void> {
    const policy = this.resolver.byId(reset.policyId) ?? this.resolver.concurrencyById(reset.policyId);
    const counterId = policy?.counterId ?? reset.policyId;
    // Every algorithm's key: the policy may have changed algorithm since the counter was written.
    const keys = ALGORITHMS.flatMap((algorithm) => [...scriptKeys(algorithm, buildCounterKey({ policyId: counterId, identity: reset.key, algorithm }))]);
    keys.push(buildGlobalCounterKey({ policyId: counterId, identity: reset.key }), buildConcurrencyKey({ policyId: counterId, identity: reset.key }));
    // A stacked policy's counters (their names are the policy's current limits).
    if (policy?.stack !== undefined) keys.push(...stackedKeys({ policy, stack: policy.stack, identity: reset.key }));
    try {
      await this.backend.resetCounter([...new Set(keys)]);
      this.logger.info({ policyId: reset.policyId, revision: reset.revision }, 'counter reset by an operator');
    } catch (error) {
      this.logger.warn({ err: error, policyId: reset.policyId, revision: reset.revision }, 'counter reset failed in this region; another instance of the region may have applied it');
    }
  }
}

const MICROS = 1_000_000;

/** A limit's state as operators read it: used = limit - remaining (never below 0), times in seconds. */
function limitState(input: { limit: number; remaining: number; resetUs: number }): { limit: number; used: number; remaining: number; resetSeconds: number } {
  return { limit: input.limit, used: Math.max(0, input.limit - input.remaining), remaining: input.remaining, resetSeconds: input.resetUs / MICROS };
}
