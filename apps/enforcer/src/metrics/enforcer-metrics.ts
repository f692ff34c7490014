import { Counter, Histogram, type Registry } from 'prom-client';

/** The outcome label of one decision. Bounded: these six values only. */
export type DecisionResult = 'allowed' | 'denied' | 'shadow_denied' | 'degraded_allowed' | 'degraded_denied' | 'degraded_shadow_denied';

export type StoreFailureKind = 'timeout' | 'unavailable';

type ResultCounters = Record<DecisionResult, Counter.Internal>;

/**
 * The enforcer's series. Labels are policy ids, the region and a fixed set of results, never raw
 * keys or customer ids, so cardinality stays bounded by the number of policies. Label children are
 * cached per policy, so recording a decision does no label hashing.
 */
export class EnforcerMetrics {
  private readonly decisions: Counter<'policy' | 'region' | 'result'>;
  private readonly checkDuration: Histogram;
  private readonly storeFailures: Counter<'kind'>;
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
    };
  }
}
