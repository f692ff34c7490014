import type { BreakerState, LeaseAcquisitionOutcome, LeaseReturnOutcome, PipelineMetrics, StoreFailureKind, WriteBackOutcome } from '@rl/decision-pipeline';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The outcome label of one decision. Bounded: these seven values only. */
export type DecisionResult = 'allowed' | 'denied' | 'shadow_denied' | 'degraded_allowed' | 'degraded_denied' | 'degraded_shadow_denied' | 'blocked';

/** `rl_store_breaker_state` values. */
const BREAKER_STATE_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;


type ResultCounters = Record<DecisionResult, Counter.Internal>;

/**
 * The enforcer's series. Labels are policy ids, the region and a fixed set of results, never raw
 * keys or customer ids, so cardinality stays bounded by the number of policies. Label children are
 * cached per policy, so recording a decision does no label hashing.
 */
export class EnforcerMetrics implements PipelineMetrics {
  private readonly decisions: Counter<'policy' | 'region' | 'result'>;
  private readonly checkDuration: Histogram;
  private readonly storeFailures: Counter<'kind'>;
  private readonly breakerState: Gauge<'store'>;
  private readonly writeBack: Counter<'outcome'>;
  private readonly leaseHits: Counter;
  private readonly leaseAcquisitions: Counter<'outcome'>;
  private readonly leaseReturns: Counter<'outcome'>;
  private readonly denyCacheHits: Counter;
  private readonly overloaded: Counter;
  private readonly batchSize: Histogram;
  private readonly byPolicy = new Map<string, ResultCounters>();

  constructor(
    registry: Registry,
    private readonly region: string,
  ) {
    this.decisions = new Counter({
      name: 'rl_decisions_total',
      help: 'Rate-limit decisions, by policy id, region and result',
      labelNames: ['policy', 'region', 'result'],
      registers: [registry],
    });
    this.checkDuration = new Histogram({
      name: 'rl_check_duration_seconds',
      help: 'Time to decide one POST /v1/check, from validated body to reply',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers: [registry],
    });
    this.storeFailures = new Counter({
      name: 'rl_store_errors_total',
      help: 'Counter-store calls that failed, by kind; each one was decided by the policy failure mode',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.breakerState = new Gauge({
      name: 'rl_store_breaker_state',
      help: 'Circuit breaker of each counter store: 0 closed, 1 half-open, 2 open',
      labelNames: ['store'],
      registers: [registry],
    });
    this.writeBack = new Counter({
      name: 'rl_degraded_writeback_units_total',
      help: 'Units admitted locally while the store was down, by what became of them: written back, refused (counter full), failed (kept), dropped (ledger full)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.leaseHits = new Counter({
      name: 'rl_lease_hits_total',
      help: 'Decisions admitted from a hot-key lease held by this instance, with no counter-store call',
      registers: [registry],
    });
    this.leaseAcquisitions = new Counter({
      name: 'rl_lease_acquisitions_total',
      help: 'Hot-key lease acquisitions (one counter-store call each), by outcome: granted, denied (counter exhausted), failed (store error)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.leaseReturns = new Counter({
      name: 'rl_lease_returned_units_total',
      help: 'Unused leased units given back to the counter store (returned), or lost because the store failed (failed: they under-admit until refilled)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.denyCacheHits = new Counter({
      name: 'rl_deny_cache_hits_total',
      help: 'Decisions denied from the deny cache (a key known to be over its limit), with no counter-store call',
      registers: [registry],
    });
    this.overloaded = new Counter({
      name: 'rl_overloaded_total',
      help: 'Requests answered 503 overloaded because ENFORCER_MAX_IN_FLIGHT decisions were already in flight (not decided, no store call)',
      registers: [registry],
    });
    this.batchSize = new Histogram({
      name: 'rl_store_batch_decisions',
      help: 'Decisions carried by one counter-store script call (decisions ready in the same event-loop turn are batched)',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers: [registry],
    });
  }

  recordOverloaded(): void {
    this.overloaded.inc();
  }

  recordBatch(decisions: number): void {
    this.batchSize.observe(decisions);
  }

  setBreakerState(store: string, state: BreakerState): void {
    this.breakerState.set({ store }, BREAKER_STATE_VALUE[state]);
  }

  recordLeaseHit(): void {
    this.leaseHits.inc();
  }

  recordLeaseAcquisition(outcome: LeaseAcquisitionOutcome): void {
    this.leaseAcquisitions.inc({ outcome });
  }

  recordLeaseReturn(outcome: LeaseReturnOutcome, units: number): void {
    if (units > 0) this.leaseReturns.inc({ outcome }, units);
  }

  recordDenyCacheHit(): void {
    this.denyCacheHits.inc();
  }

  recordWriteBack(outcome: WriteBackOutcome, units: number): void {
    if (units > 0) this.writeBack.inc({ outcome }, units);
  }

  recordDecision(policyId: string, result: DecisionResult): void {
    let counters = this.byPolicy.get(policyId);
    if (counters === undefined) {
      counters = this.childrenFor(policyId);
      this.byPolicy.set(policyId, counters);
    }
    counters[result].inc();
  }

  observeCheckSeconds(seconds: number): void {
    this.checkDuration.observe(seconds);
  }

  recordStoreFailure(kind: StoreFailureKind): void {
    this.storeFailures.inc({ kind });
  }

  private childrenFor(policy: string): ResultCounters {
    const child = (result: DecisionResult): Counter.Internal =>
      this.decisions.labels({ policy, region: this.region, result });
    return {
      allowed: child('allowed'),
      denied: child('denied'),
      shadow_denied: child('shadow_denied'),
      degraded_allowed: child('degraded_allowed'),
      degraded_denied: child('degraded_denied'),
      degraded_shadow_denied: child('degraded_shadow_denied'),
      blocked: child('blocked'),
    };
  }
}
