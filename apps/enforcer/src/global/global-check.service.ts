import { Inject, Injectable } from '@nestjs/common';
import type { CheckRequest } from '@rl/contracts';
import { buildGlobalCounterKey, LocalLimiter, safeIdentity, systemClock, type GlobalWindowDecision, type GlobalWindowStore, type RawDecision } from '@rl/limiter-core';
import { StoreError, StoreTimeoutError, StoreUnavailableError } from '@rl/redis-store';
import type { Logger } from 'pino';
import { FAIL_CLOSED_DECISION, formatDecision, type CheckReply, type DecisionSource } from '../check/format-decision';
import { EnforcerConfig } from '../config/enforcer-config';
import { LOGGER } from '../core/logger.token';
import { EnforcerMetrics, type DecisionResult } from '../metrics/enforcer-metrics';
import type { CompiledPolicy } from '../policies/compiled-policy';
import { StoreCircuitOpenError } from '../resilience/guarded-store';
import { StoreBackend } from '../store/store-backend';
import { GlobalSyncService } from './global-sync.service';
import { ThrottledLog } from '@rl/platform';

/** Keys of the local fallback counters while the store is down. */
const LOCAL_FALLBACK_KEYS = 50_000;
/**
 * Asking the store again when it counted in another window than the cap was picked for (our clock
 * and the store's disagree at a boundary) settles on the second try; a third disagreement means
 * the clocks are jumping, and the decision fails over like a store failure.
 */
const MAX_WINDOW_ATTEMPTS = 3;

/**
 * The decision path of policies with scope "global". One limit per aligned window is shared by all
 * regions; this region enforces its current allocation (cap) atomically in its own Redis
 * (global_window.lua), through the same tiers and breakers as regional policies. No cross-region
 * call on the request path: the cap comes from the allocation table, and usage is counted into
 * in-memory maps that the reporter publishes on its timer.
 *
 * Replies are those of regional policies: `limit` is the global limit, `remaining` what this
 * region can still admit in the window; shadow mode counts and never denies. On a StoreError the
 * policy's failure mode applies: `open` admits from a local fixed-window bucket of
 * DEGRADED_LIMIT_PERCENT (split across ENFORCER_INSTANCES) of this region's cap, and what it
 * admits is added to the region's count when the store returns; `closed` answers 503.
 */
@Injectable()
export class GlobalCheckService {
  private readonly store: GlobalWindowStore;
  private readonly region: string;
  private readonly localPercent: number;
  private readonly local = new LocalLimiter({ clock: systemClock, maxKeys: LOCAL_FALLBACK_KEYS });
  private readonly log: ThrottledLog;

  constructor(
    private readonly sync: GlobalSyncService,
    private readonly backend: StoreBackend,
    private readonly metrics: EnforcerMetrics,
    config: EnforcerConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.store = backend.globalStore;
    this.region = config.region;
    this.localPercent = config.localLimitPercent;
    this.log = new ThrottledLog(logger, { intervalMs: 10_000, now: Date.now });
  }

  async check(request: CheckRequest, policy: CompiledPolicy): Promise<CheckReply> {
    const identity = safeIdentity(request.key);
    const key = buildGlobalCounterKey({ policyId: policy.counterId, identity: request.key });
    const cost = request.cost ?? 1;
    const windowMs = Math.max(1, Math.round(policy.windowUs / 1000));
    let windowStartMs = Math.floor(Date.now() / windowMs) * windowMs;
    let decision: RawDecision;
    let source: DecisionSource = 'store';
    try {
      const counted = await this.decide({ policy, identity, key, cost, windowMs, windowStartMs });
      decision = counted;
      windowStartMs = counted.windowStartMs;
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      this.noteStoreFailure(error);
      if (policy.failureMode === 'open') {
        source = 'local-fallback';
        const cap = this.sync.capFor({ policy, identity, windowStartMs }) ?? 0;
        const limit = Math.max(1, Math.floor((cap * this.localPercent) / 100));
        decision = this.local.decideSync({ key, algorithm: 'fixed_window', limit, windowUs: windowMs * 1000, burst: limit, cost });
        if (decision.allowed) this.backend.recordDegradedGlobalAdmit({ key, windowMs, windowStartMs, units: cost });
      } else {
        source = 'fail-closed';
        decision = FAIL_CLOSED_DECISION;
      }
    }
    const usage = this.sync.usage({ policy, windowStartMs, windowMs });
    if (decision.allowed) usage.admit(identity, cost);
    else usage.deny(identity, cost);
    this.metrics.recordDecision(policy.ref.id, resultOf(policy, decision, source));
    return formatDecision({ policy, decision, source, region: this.region });
  }

  /** Asks the store with the cap of the window our clock says; again with the store's window if they differ. */
  private async decide(input: { policy: CompiledPolicy; identity: string; key: string; cost: number; windowMs: number; windowStartMs: number }): Promise<GlobalWindowDecision> {
    let expectedStartMs = input.windowStartMs;
    for (let attempt = 0; attempt < MAX_WINDOW_ATTEMPTS; attempt++) {
      const cap = this.sync.capFor({ policy: input.policy, identity: input.identity, windowStartMs: expectedStartMs });
      // No cap yet (a fresh instance still reading the allocation stream): deny without a store
      // call, and tell the caller to come back once waiting is over, not at the window's end.
      if (cap === undefined) return notYetAllocated({ windowStartMs: expectedStartMs, retryAfterMs: this.sync.catchUpRemainingMs() });
      const decision = await this.store.decideGlobal({ algorithm: 'global_window', key: input.key, cap, cost: input.cost, windowMs: input.windowMs, expectedStartMs });
      if (decision.matched) return decision;
      this.sync.recordWindowRetry();
      expectedStartMs = decision.windowStartMs;
    }
    throw new StoreUnavailableError(`global_window: the store's window kept moving (${MAX_WINDOW_ATTEMPTS} attempts)`, { cause: undefined });
  }

  private noteStoreFailure(error: StoreError): void {
    this.metrics.recordStoreFailure(error instanceof StoreCircuitOpenError ? 'circuit_open' : error instanceof StoreTimeoutError ? 'timeout' : 'unavailable');
    this.log.warn('store', { err: error }, 'counter store failed on a global policy; applying its failure mode');
  }
}

function notYetAllocated(input: { windowStartMs: number; retryAfterMs: number }): GlobalWindowDecision {
  return { allowed: false, remaining: 0, resetUs: 0, retryAfterUs: Math.max(1, input.retryAfterMs) * 1000, windowStartMs: input.windowStartMs, count: 0, matched: true };
}

function resultOf(policy: CompiledPolicy, decision: RawDecision, source: DecisionSource): DecisionResult {
  const outcome = decision.allowed ? 'allowed' : policy.shadow ? 'shadow_denied' : 'denied';
  return source === 'store' ? outcome : `degraded_${outcome}`;
}
