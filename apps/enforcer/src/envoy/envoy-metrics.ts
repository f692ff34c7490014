import { Counter, Histogram, type Registry } from 'prom-client';

/** How a ShouldRateLimit call ended: the response's overall code, or the gRPC status it failed with. */
export type RlsCallOutcome = 'OK' | 'OVER_LIMIT' | 'INVALID_ARGUMENT' | 'UNAVAILABLE' | 'INTERNAL';

/**
 * Series of Envoy's rate-limit gRPC service. Each descriptor's decision is also counted in
 * `rl_decisions_total` like any other check; these count whole calls.
 */
export class EnvoyMetrics {
  private readonly calls: Counter<'outcome'>;
  private readonly duration: Histogram;

  constructor(registry: Registry) {
    this.calls = new Counter({
      name: 'rl_envoy_rls_requests_total',
      help: 'Envoy ShouldRateLimit calls, by outcome: OK, OVER_LIMIT, or the gRPC status of a failed call',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'rl_envoy_rls_duration_seconds',
      help: 'Time to answer one Envoy ShouldRateLimit call, all its descriptors decided',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers: [registry],
    });
  }

  record(outcome: RlsCallOutcome, seconds: number): void {
    this.calls.inc({ outcome });
    this.duration.observe(seconds);
  }
}
