import { Inject, Injectable } from '@nestjs/common';
import type { CheckRequest } from '@rl/contracts';
import { buildCounterKey, LocalLimiter, systemClock, type CounterStore, type LimitRequest, type RawDecision } from '@rl/limiter-core';
import { StoreError, StoreTimeoutError } from '@rl/redis-store';
import type { Logger } from 'pino';
import { BlockEscalator } from '../blocks/block-escalator';
import { BlockGuard } from '../blocks/block-guard';
import { BLOCKED_POLICY_REF } from '../blocks/format-blocked';
import { EnforcerConfig } from '../config/enforcer-config';
import { LOGGER } from '../core/logger.token';
import type { DecisionObserver } from '../events/decision-observer';
import { DECISION_OBSERVER } from '../events/events.module';
import { GlobalCheckService } from '../global/global-check.service';
import { EnforcerMetrics, type DecisionResult } from '../metrics/enforcer-metrics';
import type { CompiledPolicy } from '../policies/compiled-policy';
import { PolicyResolver } from '../policies/policy-resolver';
import { StoreCircuitOpenError } from '../resilience/guarded-store';
import { StoreBackend } from '../store/store-backend';
import { FAIL_CLOSED_DECISION, formatDecision, type CheckReply, type DecisionSource } from './format-decision';

/** Keys kept by the local fallback buckets; least recently used ones are evicted beyond this. */
const LOCAL_FALLBACK_KEYS = 50_000;
/** At most one store-failure log line per interval; the metric counts every failure. */
const FAILURE_LOG_INTERVAL_MS = 10_000;

/**
 * The decision path of every API that decides (`POST /v1/check`, nginx's `GET /v1/auth`, Envoy's
 * gRPC `ShouldRateLimit`): resolve the policy, build the counter key, ask the store, and on a store
 * failure apply the policy's failure mode; then note the decision (latency histogram, automatic
 * blocks, decision events), none of which waits. No logging, allocation or reflection beyond what
 * one decision needs; failures are logged at most once per interval.
 */
@Injectable()
export class CheckService {
  private readonly store: CounterStore;
  private readonly backend: StoreBackend;
  private readonly region: string;
  private readonly local = new LocalLimiter({ clock: systemClock, maxKeys: LOCAL_FALLBACK_KEYS });
  private lastFailureLogAt = 0;
  private suppressedFailures = 0;

  constructor(
    private readonly resolver: PolicyResolver,
    backend: StoreBackend,
    private readonly metrics: EnforcerMetrics,
    config: EnforcerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly blocks: BlockGuard,
    private readonly global: GlobalCheckService,
    private readonly escalator: BlockEscalator,
    @Inject(DECISION_OBSERVER) private readonly observer: DecisionObserver | null,
  ) {
    this.store = backend.store;
    this.backend = backend;
    this.region = config.region;
  }

  async check(request: CheckRequest): Promise<CheckReply> {
    return this.checkWithPolicy(request, this.resolver.resolve(request));
  }

  /**
   * Decides `request` by `policy`, resolved by the caller (`check`, or Envoy's gRPC service for an
   * imported envoy rule): blocks first, then the store and the policy's failure mode, then the
   * decision is noted, exactly as for a resolved policy.
   */
  async checkWithPolicy(request: CheckRequest, policy: CompiledPolicy): Promise<CheckReply> {
    const started = performance.now();
    const reply = await this.decide(request, policy);
    const seconds = (performance.now() - started) / 1000;
    this.metrics.observeCheckSeconds(seconds);
    // Denials (not blocks) count toward automatic blocks; decision events sample every decision.
    if (reply.statusCode === 429 && reply.body.blocked !== true) this.escalator.noteDenial(request, reply.body.policy.id);
    this.observer?.onDecision(request, reply.body, seconds);
    return reply;
  }

  private async decide(request: CheckRequest, policy: CompiledPolicy): Promise<CheckReply> {
    // Blocks come first: no counter-store call for a blocked caller.
    const blocked = this.blocks.check(request, this.region);
    if (blocked !== undefined) {
      this.metrics.recordDecision(BLOCKED_POLICY_REF.id, 'blocked');
      return blocked;
    }
    // One limit shared by all regions: decided against this region's allocation (src/global).
    if (policy.scope === 'global') return this.global.check(request, policy);
    const limitRequest: LimitRequest = {
      key: buildCounterKey({ policyId: policy.counterId, identity: request.key, algorithm: policy.algorithm }),
      algorithm: policy.algorithm,
      limit: policy.quota.limit,
      windowUs: policy.windowUs,
      burst: policy.quota.burst,
      cost: request.cost ?? 1,
    };
    let decision: RawDecision;
    let source: DecisionSource = 'store';
    try {
      decision = await this.store.decide(limitRequest);
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      this.noteStoreFailure(error);
      if (policy.failureMode === 'open') {
        source = 'local-fallback';
        decision = this.local.decideSync({ ...limitRequest, limit: policy.localQuota.limit, burst: policy.localQuota.burst });
        if (decision.allowed) this.backend.recordDegradedAdmit(limitRequest);
      } else {
        source = 'fail-closed';
        decision = FAIL_CLOSED_DECISION;
      }
    }
    this.metrics.recordDecision(policy.ref.id, resultOf(policy, decision, source));
    return formatDecision({ policy, decision, source, region: this.region });
  }

  private noteStoreFailure(error: StoreError): void {
    this.metrics.recordStoreFailure(error instanceof StoreCircuitOpenError ? 'circuit_open' : error instanceof StoreTimeoutError ? 'timeout' : 'unavailable');
    const now = Date.now();
    if (now - this.lastFailureLogAt < FAILURE_LOG_INTERVAL_MS) {
      this.suppressedFailures += 1;
      return;
    }
    this.logger.warn({ err: error, suppressedSinceLastLog: this.suppressedFailures }, 'counter store failed; applying policy failure modes');
    this.lastFailureLogAt = now;
    this.suppressedFailures = 0;
  }
}

function resultOf(policy: CompiledPolicy, decision: RawDecision, source: DecisionSource): DecisionResult {
  const outcome = decision.allowed ? 'allowed' : policy.shadow ? 'shadow_denied' : 'denied';
  return source === 'store' ? outcome : `degraded_${outcome}`;
}
