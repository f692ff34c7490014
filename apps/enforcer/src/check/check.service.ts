import { Inject, Injectable } from '@nestjs/common';
import type { CheckRequest, CheckResponse, MatchedRule } from '@rl/contracts';
import { decideGlobalStack, decideGlobalWindow, DecisionPipeline, StoreBackend, storeFailureKind, type DecisionOutcome, type DecisionSource, type SettlementPort } from '@rl/decision-pipeline';
import { buildCounterKey, buildGlobalCounterKey, combineStacked, isSettleable, maxCost, safeIdentity, StoreError, type GlobalWindowDecision, type RawDecision, type StackedDecision } from '@rl/limiter-core';
import { BlockEscalator } from '../blocks/block-escalator';
import { BlockGuard } from '../blocks/block-guard';
import { BLOCKED_POLICY_REF } from '../blocks/format-blocked';
import { EnforcerConfig } from '../config/enforcer-config';
import type { DecisionObserver } from '../events/decision-observer';
import { DECISION_OBSERVER } from '../events/events.module';
import { noteDecision } from '../events/note-decision';
import { GlobalSyncService } from '../global/global-sync.service';
import { EnforcerMetrics, type DecisionResult } from '../metrics/enforcer-metrics';
import type { CompiledPolicy, CompiledStack } from '../policies/compiled-policy';
import { PolicyResolver } from '../policies/policy-resolver';
import { DecisionIds } from './decision-id';
import { COST_EXCEEDS_LIMIT, formatDecision, formatOverloaded, type CheckReply } from './format-decision';
import { settleableLimits, stackedRequest } from './stacked-request';

/**
 * The decision path of every API that decides (`POST /v1/check`, nginx's `GET /v1/auth`, Envoy's
 * gRPC `ShouldRateLimit`): shed load past the in-flight cap, answer blocked callers, resolve the
 * policy, then one DecisionPipeline (@rl/decision-pipeline) decides regional and global policies
 * alike: hot keys, deny cache, batched Redis calls, tiers, breakers and failure modes. Afterwards
 * the decision is noted (latency histogram, automatic blocks, decision events), none of which
 * waits.
 *
 * Overload is explicit: past ENFORCER_MAX_IN_FLIGHT decisions in flight, a request gets 503
 * `overloaded` at once, so the gateway applies its own failure mode. It is never answered from
 * the local buckets, which exist for store failures only.
 *
 * Every answer carries a `decisionId` (DecisionIds). A request with `settle: true` whose decision
 * the regional store admitted under a settleable policy (regional; token_bucket, gcra,
 * leaky_bucket or fixed_window; for a stacked policy every limit so, calendar windows included)
 * is recorded beside its counter, or its stack's (one more script call, made only then), and its
 * id names the record for `POST /v1/settle`. A record that cannot be written leaves the decision
 * as it is, with an unrecorded id.
 */
@Injectable()
export class CheckService {
  private readonly region: string;
  private readonly localPercent: number;
  private readonly maxInFlight: number;
  private inFlight = 0;
  private readonly ids = new DecisionIds();

  constructor(
    private readonly resolver: PolicyResolver,
    private readonly pipeline: DecisionPipeline,
    private readonly metrics: EnforcerMetrics,
    config: EnforcerConfig,
    private readonly blocks: BlockGuard,
    private readonly sync: GlobalSyncService,
    private readonly escalator: BlockEscalator,
    @Inject(DECISION_OBSERVER) private readonly observer: DecisionObserver | null,
    private readonly backend: StoreBackend,
  ) {
    this.region = config.region;
    this.localPercent = config.localLimitPercent;
    this.maxInFlight = config.maxInFlight;
  }

  /** Decides `request` under the policy that matches it. */
  check(request: CheckRequest): Promise<CheckReply> {
    return this.run(request, undefined);
  }

  /** Decides `request` under `policy`, resolved by the caller (Envoy rules); everything else as `check`. */
  checkWithPolicy(request: CheckRequest, policy: CompiledPolicy): Promise<CheckReply> {
    return this.run(request, policy);
  }

  /**
   * Charges `request.cost` after the response, without deciding: Envoy's second ShouldRateLimit
   * from `apply_on_stream_done` (whose answer Envoy ignores) reports what the request really cost.
   * For a regional policy whose limit is settleable (token_bucket, gcra, leaky_bucket or
   * fixed_window), or a regional stack whose every limit is (calendar windows included), the cost
   * is added to every counter in one script and never refused, so it may run the caller into debt
   * that later requests pay off (settle/charge.lua, settle/stack_charge.lua). Any other policy
   * decides the cost as a check would: counted if admitted (by every limit of a stack, or by none).
   * Blocks do not apply: the request was served already. A store failure leaves the cost uncounted
   * and the reply `degraded`.
   */
  async charge(request: CheckRequest, resolved?: CompiledPolicy): Promise<CheckReply> {
    const policy = resolved ?? this.resolver.resolve(request);
    const settlement = this.backend.settlement;
    const charging = settlement === undefined || policy.scope !== 'regional' ? undefined : this.chargeFor({ settlement, request, policy, cost: request.cost ?? 1 });
    if (charging === undefined) return this.run(request, policy);
    const decisionId = this.ids.next();
    try {
      return formatDecision({ policy, decision: await charging(), source: 'store', region: this.region, decisionId });
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      this.metrics.recordStoreFailure(storeFailureKind(error));
      return formatDecision({ policy, decision: UNCOUNTED_CHARGE, source: 'local-fallback', region: this.region, decisionId });
    }
  }

  /** The charge of `cost` to a policy's counters without deciding, or undefined when its limits cannot be charged so. */
  private chargeFor(input: { settlement: SettlementPort; request: CheckRequest; policy: CompiledPolicy; cost: number }): (() => Promise<RawDecision>) | undefined {
    const { settlement, request, policy, cost } = input;
    if (policy.stack !== undefined) {
      const stacked = settlement.stacked;
      const limits = settleableLimits(stackedRequest({ policy, stack: policy.stack, identity: request.key, cost, dryRun: false, nowUs: Date.now() * 1000 }));
      if (stacked === undefined || limits === undefined) return undefined;
      return async () => {
        const charged = await stacked.chargeStack({ limits, cost });
        return combineStacked({ allowed: true, limits: charged.map(({ remaining, resetUs }) => ({ allowed: true, remaining, resetUs, retryAfterUs: 0 })) });
      };
    }
    const algorithm = policy.algorithm;
    if (!isSettleable(algorithm)) return undefined;
    const counterKey = buildCounterKey({ policyId: policy.counterId, identity: request.key, algorithm });
    return async () => {
      const charged = await settlement.charge({ counterKey, algorithm, limit: policy.quota.limit, windowUs: policy.windowUs, burst: policy.quota.burst, cost });
      return { allowed: true, remaining: charged.remaining, resetUs: charged.resetUs, retryAfterUs: 0 };
    };
  }

  /** Decisions being made right now (tests, metrics). */
  get decisionsInFlight(): number {
    return this.inFlight;
  }

  private async run(request: CheckRequest, policy: CompiledPolicy | undefined): Promise<CheckReply> {
    if (this.inFlight >= this.maxInFlight) {
      this.metrics.recordOverloaded();
      return withDecisionId(formatOverloaded(this.region), this.ids.next());
    }
    this.inFlight += 1;
    const started = performance.now();
    let reply: CheckReply;
    try {
      reply = await this.decide(request, policy);
    } finally {
      this.inFlight -= 1;
    }
    const seconds = (performance.now() - started) / 1000;
    // A dry run is not a decision: nothing of it is recorded, counted or escalated.
    if (request.dryRun === true) return explained(reply, this.explainMatch(request, policy));
    this.metrics.observeCheckSeconds(seconds);
    // Denials (not blocks) count toward automatic blocks; decision events sample every decision.
    noteDecision({ escalator: this.escalator, observer: this.observer, request, statusCode: reply.statusCode, body: reply.body, latencySeconds: seconds });
    return reply;
  }

  private async decide(request: CheckRequest, resolved: CompiledPolicy | undefined): Promise<CheckReply> {
    // Blocks come first: no policy resolution and no counter-store call for a blocked caller.
    const blocked = this.blocks.check(request, this.region);
    if (blocked !== undefined) {
      this.metrics.recordDecision(BLOCKED_POLICY_REF.id, 'blocked');
      return withDecisionId(blocked, this.ids.next());
    }
    const policy = resolved ?? this.resolver.resolve(request);
    const cost = request.cost ?? 1;
    const dryRun = request.dryRun === true;
    if (cost > policy.maxCost) {
      if (!dryRun) this.metrics.recordDecision(policy.ref.id, resultOf(policy, COST_EXCEEDS_LIMIT, 'store'));
      const refusedId = this.ids.next();
      if (policy.stack === undefined) return formatDecision({ policy, decision: COST_EXCEEDS_LIMIT, source: 'store', region: this.region, costExceedsLimit: true, decisionId: refusedId });
      const refusal = stackRefusal(policy.stack, cost);
      return formatDecision({ policy, decision: refusal.decision, source: 'store', region: this.region, costExceedsLimit: true, violated: refusal.violated, decisionId: refusedId });
    }
    const outcome =
      policy.stack !== undefined
        ? await this.decideStacked(request, policy, policy.stack, cost)
        : policy.scope === 'global'
          ? await this.decideGlobal(request, policy, cost)
          : await this.decideRegional(request, policy, cost);
    if (!dryRun) this.metrics.recordDecision(policy.ref.id, resultOf(policy, outcome.decision, outcome.source));
    const recordable = request.settle === true && !dryRun && outcome.source === 'store' && outcome.decision.allowed;
    const decisionId = recordable ? await this.record(request, policy, cost) : this.ids.next();
    return formatDecision({ policy, decision: outcome.decision, source: outcome.source, region: this.region, decisionId });
  }

  /**
   * Records an admitted decision for a later settle; its id names the record. Unrecorded id when it
   * cannot be: a global policy, an algorithm that is not settleable (for a stack: any of its
   * limits), a store without stacked records, or a stack whose keys do not fit in an id.
   */
  private async record(request: CheckRequest, policy: CompiledPolicy, cost: number): Promise<string> {
    const settlement = this.backend.settlement;
    if (settlement === undefined || policy.scope !== 'regional') return this.ids.next();
    try {
      const id = policy.stack === undefined ? await recordSingle({ settlement, request, policy, cost }) : await recordStack({ settlement, request, policy, cost });
      return id ?? this.ids.next();
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      this.metrics.recordStoreFailure(storeFailureKind(error));
      return this.ids.next();
    }
  }

  /** The rule that selected the policy of a dry run: the caller's own choice (Envoy rules) is none of the resolver's. */
  private explainMatch(request: CheckRequest, given: CompiledPolicy | undefined): MatchedRule | undefined {
    if (given !== undefined) return undefined;
    return this.resolver.explain(request).matched;
  }

  private decideRegional(request: CheckRequest, policy: CompiledPolicy, cost: number): Promise<DecisionOutcome<RawDecision>> {
    return this.pipeline.decide({
      request: {
        key: buildCounterKey({ policyId: policy.counterId, identity: request.key, algorithm: policy.algorithm }),
        algorithm: policy.algorithm,
        limit: policy.quota.limit,
        windowUs: policy.windowUs,
        burst: policy.quota.burst,
        cost,
        dryRun: request.dryRun,
      },
      failureMode: policy.failureMode,
      local: policy.localQuota,
    });
  }

  /**
   * Every limit of a stacked policy in one store request: all admit and each is charged, or none is.
   * Global limits among them are decided as this region's share (decideGlobalStack), and counted
   * into the usage reports per limit as a global policy is.
   */
  private async decideStacked(request: CheckRequest, policy: CompiledPolicy, stack: CompiledStack, cost: number): Promise<DecisionOutcome<StackedDecision>> {
    const nowMs = Date.now();
    const stacked = stackedRequest({ policy, stack, identity: request.key, cost, dryRun: request.dryRun, nowUs: nowMs * 1000 });
    if (stack.globalLimits.length === 0) return this.pipeline.decide({ request: stacked, failureMode: policy.failureMode, local: { ...policy.localQuota, limits: stack.localQuotas } });
    const identity = safeIdentity(request.key);
    // As decideGlobal: no newer allocation is acknowledged until this decision is counted.
    const token = this.sync.beginDecision();
    let outcome: DecisionOutcome<StackedDecision>;
    try {
      outcome = await decideGlobalStack(this.pipeline, {
        request: stacked,
        nowMs,
        capFor: (index, windowStartMs) => this.sync.capFor({ policy, identity, windowStartMs, limit: stack.limits[index] }),
        failureMode: policy.failureMode,
        local: policy.localQuota,
        localLimits: stack.localQuotas,
        localPercent: this.localPercent,
        allocationWaitMs: () => this.sync.catchUpRemainingMs(),
        onWindowRetry: () => this.sync.recordWindowRetry(),
        calendarAt: (index, windowStartMs) => stack.limits[index].calendar?.boundsAt(windowStartMs * 1000),
      });
    } finally {
      this.sync.endDecision(token);
    }
    if (request.dryRun !== true) this.sync.countStack({ policy, stack, identity, cost, decision: outcome.decision });
    return outcome;
  }

  /**
   * One limit shared by all regions: this region enforces its current allocation (cap) in its own
   * Redis, counted in epoch-aligned windows. No cross-region call on the request path: the cap
   * comes from the allocation table, and usage is counted into the maps the reporter publishes.
   */
  private async decideGlobal(request: CheckRequest, policy: CompiledPolicy, cost: number): Promise<DecisionOutcome<RawDecision>> {
    const identity = safeIdentity(request.key);
    const windowMs = Math.max(1, Math.round(policy.windowUs / 1000));
    // Until this decision is counted, the region must not acknowledge a newer allocation: the
    // reconciler would free share on the strength of a report that misses what it admits.
    const token = this.sync.beginDecision();
    let outcome: DecisionOutcome<GlobalWindowDecision>;
    try {
      outcome = await this.decideGlobalWindow(request, policy, { identity, windowMs, cost });
    } finally {
      this.sync.endDecision(token);
    }
    if (request.dryRun === true) return outcome;
    const usage = this.sync.usage({ policy, windowStartMs: outcome.decision.windowStartMs, windowMs });
    if (outcome.decision.allowed) usage.admit(identity, cost);
    else usage.deny(identity, cost);
    return outcome;
  }

  private decideGlobalWindow(request: CheckRequest, policy: CompiledPolicy, input: { identity: string; windowMs: number; cost: number }): Promise<DecisionOutcome<GlobalWindowDecision>> {
    const { identity, windowMs, cost } = input;
    return decideGlobalWindow(this.pipeline, {
      key: buildGlobalCounterKey({ policyId: policy.counterId, identity: request.key }),
      cost,
      windowMs,
      nowMs: Date.now(),
      capFor: (windowStartMs) => this.sync.capFor({ policy, identity, windowStartMs }),
      failureMode: policy.failureMode,
      localPercent: this.localPercent,
      allocationWaitMs: () => this.sync.catchUpRemainingMs(),
      onWindowRetry: () => this.sync.recordWindowRetry(),
      dryRun: request.dryRun,
    });
  }
}

/** A dry run's reply: the real check's, marked as a dry run, with the rule that matched. */
function explained(reply: CheckReply, matched: MatchedRule | undefined): CheckReply {
  const body: CheckResponse = matched === undefined ? { ...reply.body, dryRun: true } : { ...reply.body, dryRun: true, matched };
  return { statusCode: reply.statusCode, headers: reply.headers, body };
}

interface RecordInput {
  readonly settlement: SettlementPort;
  readonly request: CheckRequest;
  readonly policy: CompiledPolicy;
  readonly cost: number;
}

/** Records a single-limit decision beside its counter: its id, or undefined when its algorithm is not settleable. */
async function recordSingle({ settlement, request, policy, cost }: RecordInput): Promise<string | undefined> {
  const algorithm = policy.algorithm;
  if (!isSettleable(algorithm)) return undefined;
  const nonce = DecisionIds.nonce();
  const counterKey = buildCounterKey({ policyId: policy.counterId, identity: request.key, algorithm });
  const expiresAtUs = await settlement.record({ counterKey, nonce, algorithm, limit: policy.quota.limit, windowUs: policy.windowUs, burst: policy.quota.burst, cost });
  return DecisionIds.recorded({ expiresAtUs, nonce, counterKey });
}

/** Records a stacked decision beside its stack's key, naming every limit's counter: its id, or undefined when it cannot be. */
async function recordStack({ settlement, request, policy, cost }: RecordInput): Promise<string | undefined> {
  const stacked = settlement.stacked;
  if (policy.stack === undefined || stacked === undefined) return undefined;
  const stack = stackedRequest({ policy, stack: policy.stack, identity: request.key, cost, dryRun: false, nowUs: Date.now() * 1000 });
  const limits = settleableLimits(stack);
  if (limits === undefined) return undefined;
  const nonce = DecisionIds.nonce();
  const counterKeys = limits.map((limit) => limit.counterKey);
  // An id that could not carry the keys is not recorded at all: nothing could ever settle it.
  if (DecisionIds.recordedStack({ expiresAtUs: 0, nonce, stackKey: stack.key, counterKeys }) === undefined) return undefined;
  const expiresAtUs = await stacked.recordStack({ stackKey: stack.key, nonce, limits, cost });
  return DecisionIds.recordedStack({ expiresAtUs, nonce, stackKey: stack.key, counterKeys });
}

/** The reply to a charge the store could not count: nothing is known of the counter. */
const UNCOUNTED_CHARGE: RawDecision = { allowed: true, remaining: 0, resetUs: 0, retryAfterUs: 0 };

/** A reply made without a policy decision (blocked, overloaded), with its decision id. */
function withDecisionId(reply: CheckReply, decisionId: string): CheckReply {
  return { statusCode: reply.statusCode, headers: reply.headers, body: { ...reply.body, decisionId } };
}

/**
 * A stack refusing a cost some of its limits can never admit, without a store call: every limit
 * reports nothing remaining for it (as one limit does), the first that can never admit is the
 * constraining one, and the denial names all that can never admit.
 */
function stackRefusal(stack: CompiledStack, cost: number): { decision: StackedDecision; violated: string[] } {
  const never = stack.limits.filter((limit) => cost > maxCost(limit.algorithm, limit.quota.limit, limit.quota.burst));
  const decision: StackedDecision = { ...COST_EXCEEDS_LIMIT, limits: stack.limits.map(() => COST_EXCEEDS_LIMIT), constraining: stack.limits.indexOf(never[0]) };
  return { decision, violated: never.map((limit) => limit.itemName) };
}

function resultOf(policy: CompiledPolicy, decision: RawDecision, source: DecisionSource): DecisionResult {
  const outcome = decision.allowed ? 'allowed' : policy.shadow ? 'shadow_denied' : 'denied';
  return source === 'store' ? outcome : `degraded_${outcome}`;
}
