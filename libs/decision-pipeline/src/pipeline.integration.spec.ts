import { buildCounterKey, type LimitRequest } from '@rl/limiter-core';
import { createLogger } from '@rl/platform';
import { startRedisServer, waitFor, type RedisServerHandle } from '@rl/testing';
import { DecisionPipeline, type DecisionOutcome } from './pipeline';
import { RedisStoreBackend, type RedisSettings } from './store/redis-backend';
import { CountingMetrics } from './testing/counting-metrics';
import type { StoreDecision } from './store-port';

/**
 * The decision pipeline against a real redis-server, with the settings `npm start` gives an
 * enforcer (REDIS_COMMAND_TIMEOUT_MS 20, BREAKER_* defaults): exact under a burst far beyond what
 * Redis answers within one deadline, and still quick to notice a Redis that stops answering.
 */

const logger = createLogger({ service: 'test', level: 'silent' });

function settings(url: string): RedisSettings {
  return {
    url,
    clusterNodes: undefined,
    sentinels: undefined,
    auth: {},
    commandTimeoutMs: 50,
    fallbackUrl: undefined,
    breaker: { failureThreshold: 3, failureWindowMs: 1_000, cooldownMs: 250, cooldownJitterMs: 250 },
  };
}

const request = (identity: string, limit: number): LimitRequest => ({
  key: buildCounterKey({ policyId: 'burst', identity, algorithm: 'fixed_window' }),
  algorithm: 'fixed_window',
  limit,
  windowUs: 3_600_000_000,
  burst: limit,
  cost: 1,
});

describe('DecisionPipeline on a real redis-server', () => {
  let redis: RedisServerHandle;
  let backend: RedisStoreBackend;
  let metrics: CountingMetrics;
  let pipeline: DecisionPipeline;

  beforeEach(async () => {
    redis = await startRedisServer();
    metrics = new CountingMetrics();
    backend = new RedisStoreBackend({ settings: settings(redis.url), connectionName: 'pipeline-test', logger, metrics });
    backend.start();
    await waitFor('redis connected', () => backend.ping().then(() => true, () => false), 5_000);
    pipeline = new DecisionPipeline({ backend, metrics, logger });
  });

  afterEach(async () => {
    await backend.close();
    await redis.stop();
  });

  const decide = (identity: string, limit: number, failureMode: 'open' | 'closed' = 'open'): Promise<DecisionOutcome<StoreDecision>> =>
    pipeline.decide({ request: request(identity, limit), failureMode, local: { limit: Math.max(1, limit / 2), burst: Math.max(1, limit / 2) } });

  it('admits exactly the limit out of 1,000 concurrent decisions for one key, none degraded', async () => {
    for (let run = 0; run < 5; run++) {

      const outcomes = await Promise.all(Array.from({ length: 1_000 }, () => decide(`burst-${run}`, 100)));
      expect({ run, admitted: outcomes.filter((o) => o.decision.allowed).length, degraded: outcomes.filter((o) => o.source !== 'store').length }).toEqual({
        run,
        admitted: 100,
        degraded: 0,
      });
    }
    expect(metrics.storeFailures).toEqual({ timeout: 0, unavailable: 0, circuit_open: 0 });
    expect(metrics.breakerStates.get('primary')).toBe('closed');
  });

  it('never takes a stall of our own event loop for a Redis failure', async () => {
    const pending = Promise.all(Array.from({ length: 300 }, (_, i) => decide(`stall-${i % 7}`, 1_000)));
    // A GC pause or a burst of work, five deadlines long, while the decisions are in flight.
    const until = performance.now() + 100;
    while (performance.now() < until) {
      /* spin */
    }
    const outcomes = await pending;
    expect(outcomes.filter((o) => o.source !== 'store')).toEqual([]);
    expect(metrics.storeFailures).toEqual({ timeout: 0, unavailable: 0, circuit_open: 0 });
  });

  it('falls back while Redis is killed without calling it, and decides in Redis again within 2 s of its restart', async () => {
    await decide('before', 1_000);
    const port = redis.port;
    await redis.stop();
    await waitFor('fallback answering', async () => (await decide('killed', 1_000)).source === 'local-fallback', 5_000, 10);
    const rejectedBefore = metrics.storeFailures.circuit_open;
    for (let i = 0; i < 1_000; i++) expect((await decide('killed', 1_000)).source).toBe('local-fallback');
    // The open breaker answers almost all of them without touching the connection (latency is the benchmark's business).
    expect(metrics.storeFailures.circuit_open - rejectedBefore).toBeGreaterThan(900);
    redis = await startRedisServer({ port });
    const restarted = performance.now();
    await waitFor('decided by Redis again', async () => (await decide('after', 1_000)).source === 'store', 5_000, 10);
    expect(performance.now() - restarted).toBeLessThan(2_000);
  });

  it('notices a stopped Redis from its silence, keeps off it while it is stopped, and recovers within 2 s', async () => {
    await decide('warm', 1_000);
    redis.process.child.kill('SIGSTOP');
    try {
      const started = performance.now();
      const first = await decide('stopped', 1_000);
      // Two deadlines (40 ms) by design; the bound only tells it apart from the client's 2 s backstop.
      expect(performance.now() - started).toBeLessThan(250);
      expect(first.source).toBe('local-fallback');
      expect(metrics.storeFailures.timeout).toBeGreaterThanOrEqual(1);
      const rejectedBefore = metrics.storeFailures.circuit_open;
      for (let i = 0; i < 1_000; i++) expect((await decide('stopped', 1_000)).source).toBe('local-fallback');
      expect(metrics.storeFailures.circuit_open - rejectedBefore).toBeGreaterThan(900);
    } finally {
      redis.process.child.kill('SIGCONT');
    }
    const resumed = performance.now();
    await waitFor('decided by Redis again', async () => (await decide('after', 1_000)).source === 'store', 5_000, 10);
    expect(performance.now() - resumed).toBeLessThan(2_000);
  });

  it('fails closed at once while Redis is stopped, for a policy that says so', async () => {
    redis.process.child.kill('SIGSTOP');
    try {
      const outcome = await decide('closed', 10, 'closed');
      expect(outcome.source).toBe('fail-closed');
      expect(outcome.decision.allowed).toBe(false);
    } finally {
      redis.process.child.kill('SIGCONT');
    }
  });
});
