import { Inject, Injectable } from '@nestjs/common';
import type { AcquireResponse, CheckRequest, ReleaseRequest } from '@rl/contracts';
import { StoreBackend, storeFailureKind } from '@rl/decision-pipeline';
import { buildConcurrencyKey, StoreError, type RawDecision } from '@rl/limiter-core';
import { BlockEscalator } from '../blocks/block-escalator';
import { BlockGuard } from '../blocks/block-guard';
import { EnforcerConfig } from '../config/enforcer-config';
import type { DecisionObserver } from '../events/decision-observer';
import { DECISION_OBSERVER } from '../events/events.module';
import { noteDecision } from '../events/note-decision';
import { EnforcerMetrics } from '../metrics/enforcer-metrics';
import type { CompiledPolicy } from '../policies/compiled-policy';
import { PolicyResolver } from '../policies/policy-resolver';
import { LeaseIds } from './lease-id';

/** Status, headers and body of one acquire reply. */
export interface AcquireReply {
  readonly statusCode: 200 | 429 | 503;
  readonly headers: Record<string, string>;
  readonly body: AcquireResponse;
}

/** Status and body of one release reply (204 has none). */
export interface ReleaseReply {
  readonly statusCode: 204 | 404 | 503;
  readonly headers: Record<string, string>;
  readonly body: { readonly error: string; readonly message: string } | undefined;
}

/** The policy reference of an acquire no concurrency policy limits. */
export const UNLIMITED_POLICY_REF = { id: 'none', version: 0 } as const;

const MICROS = 1_000_000;

/**
 * `POST /v1/acquire` and `POST /v1/release`: concurrency limits (requests in flight). An acquire
 * takes the same fields as a check and is decided by the concurrency policy that matches it
 * (PolicyResolver.resolveConcurrency): blocked callers get the check's blocked reply; otherwise
 * one script call takes a lease (lua/concurrency/acquire.lua) or denies with 429 and `Retry-After`
 * (the earliest expiry of a lease held). No matching concurrency policy: 200 with a lease that
 * holds nothing. The regional store down: the policy's failure mode, `degraded` either way (open:
 * 200 with a lease that holds nothing; closed: 503).
 *
 * The headers use the draft's quota unit: `RateLimit-Policy: "<id>";q=<limit>;qu="concurrent-requests"`
 * (no `w`: leases have no window), and `RateLimit` counts the leases left.
 *
 * Each decision is noted once, as a check's is (noteDecision): a 429 counts toward automatic
 * blocks, and every decision, blocked and degraded ones included, goes to the decision events.
 * An acquire no concurrency policy limits decides nothing and is not noted (nor counted in metrics).
 */
@Injectable()
export class AcquireService {
  private readonly region: string;
  private readonly ids = new LeaseIds();

  constructor(
    private readonly resolver: PolicyResolver,
    private readonly backend: StoreBackend,
    private readonly blocks: BlockGuard,
    private readonly metrics: EnforcerMetrics,
    config: EnforcerConfig,
    private readonly escalator: BlockEscalator,
    @Inject(DECISION_OBSERVER) private readonly observer: DecisionObserver | null,
  ) {
    this.region = config.region;
  }

  async acquire(request: CheckRequest): Promise<AcquireReply> {
    const started = performance.now();
    const reply = await this.decide(request);
    if (reply === undefined) return this.unlimited();
    noteDecision({ escalator: this.escalator, observer: this.observer, request, statusCode: reply.statusCode, body: reply.body, latencySeconds: (performance.now() - started) / 1000 });
    return reply;
  }

  /** The reply of a blocked caller or of the concurrency policy; undefined when none limits the request. */
  private async decide(request: CheckRequest): Promise<AcquireReply | undefined> {
    const blocked = this.blocks.check(request, this.region);
    if (blocked !== undefined) {
      this.metrics.recordDecision(blocked.body.policy.id, 'blocked');
      return { statusCode: blocked.statusCode, headers: blocked.headers, body: blocked.body };
    }
    const policy = this.resolver.resolveConcurrency(request);
    const concurrency = this.backend.concurrency;
    if (policy === undefined || concurrency === undefined) return undefined;
    const key = buildConcurrencyKey({ policyId: policy.counterId, identity: request.key });
    const lease = LeaseIds.create(key);
    try {
      const decision = await concurrency.acquire({ key, limit: policy.quota.limit, leaseUs: policy.windowUs, leaseId: lease.member });
      this.metrics.recordDecision(policy.ref.id, decision.allowed ? 'allowed' : 'denied');
      return this.format({ policy, decision, leaseId: decision.allowed ? lease.id : undefined });
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      this.metrics.recordStoreFailure(storeFailureKind(error));
      const open = policy.failureMode === 'open';
      this.metrics.recordDecision(policy.ref.id, open ? 'degraded_allowed' : 'degraded_denied');
      const decision: RawDecision = { allowed: open, remaining: 0, resetUs: 0, retryAfterUs: open ? 0 : MICROS };
      return this.format({ policy, decision, leaseId: open ? this.ids.unheldLease() : undefined, degraded: true });
    }
  }

  async release(request: ReleaseRequest): Promise<ReleaseReply> {
    const parsed = LeaseIds.parse(request.leaseId);
    if (parsed === undefined) return notFound(request.leaseId);
    if (!parsed.held) return { statusCode: 204, headers: {}, body: undefined };
    const concurrency = this.backend.concurrency;
    if (concurrency === undefined) return notFound(request.leaseId);
    try {
      return (await concurrency.release({ key: parsed.key, leaseId: parsed.leaseId })) ? { statusCode: 204, headers: {}, body: undefined } : notFound(request.leaseId);
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      this.metrics.recordStoreFailure(storeFailureKind(error));
      return { statusCode: 503, headers: { 'retry-after': '1' }, body: { error: 'store_unavailable', message: 'the regional store is unavailable; the lease expires on its own' } };
    }
  }

  private unlimited(): AcquireReply {
    return {
      statusCode: 200,
      headers: {},
      body: { allowed: true, limit: 0, remaining: 0, resetSeconds: 0, retryAfterSeconds: 0, policy: UNLIMITED_POLICY_REF, region: this.region, leaseId: this.ids.unheldLease() },
    };
  }

  private format(input: { policy: CompiledPolicy; decision: RawDecision; leaseId: string | undefined; degraded?: boolean }): AcquireReply {
    const { policy, decision } = input;
    const limit = policy.quota.limit;
    const id = policy.ref.id;
    const remaining = String(decision.remaining);
    const reset = String(Math.ceil(decision.resetUs / MICROS));
    const headers: Record<string, string> = {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': remaining,
      'x-ratelimit-reset': reset,
      'ratelimit-policy': `"${id}";q=${limit};qu="concurrent-requests"`,
      ratelimit: `"${id}";r=${remaining};t=${reset}`,
    };
    if (!decision.allowed) headers['retry-after'] = String(Math.max(1, Math.ceil(decision.retryAfterUs / MICROS)));
    const body: { -readonly [K in keyof AcquireResponse]: AcquireResponse[K] } = {
      allowed: decision.allowed,
      limit,
      remaining: decision.remaining,
      resetSeconds: decision.resetUs / MICROS,
      retryAfterSeconds: decision.retryAfterUs / MICROS,
      policy: policy.ref,
      region: this.region,
    };
    if (input.leaseId !== undefined) body.leaseId = input.leaseId;
    if (input.degraded === true) body.degraded = true;
    const statusCode = decision.allowed ? 200 : input.degraded === true ? 503 : 429;
    // A 429 names the policy that refused the lease, as a check's denial does (problem details).
    if (statusCode === 429) {
      body['violated-policies'] = policy.violated;
      body.violated = policy.violated;
    }
    return { statusCode, headers, body };
  }
}

function notFound(leaseId: string): ReleaseReply {
  return { statusCode: 404, headers: {}, body: { error: 'unknown_lease', message: `lease ${leaseId} is not held: released already, expired, or never taken in this region` } };
}
