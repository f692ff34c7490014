import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { CheckResponse, Policy, PolicyDocument } from '@rl/contracts';
import { buildCounterKey } from '@rl/limiter-core';
import { createRedisClient, RedisCounterStore, waitForReady, type RedisClient } from '@rl/redis-store';
import { startRedisServer, waitFor, type RedisServerHandle } from '@rl/testing';
import { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { StaticPolicySource } from '../policies/static-policy-source';
import { createTestApp } from '../testing/create-test-app';

/**
 * Hot-key leases and the deny cache in the real enforcer, against a real redis-server shared by two
 * enforcer instances: exact counts (never over-admitting, unused units given back), store calls
 * per decision, the deny cache and its invalidation, and the hot path under Redis faults.
 */

const MONTH_SECONDS = 30 * 86_400;

function policy(input: { id: string; tier: string; limit: number; algorithm?: Policy['algorithm']; windowSeconds?: number; failureMode?: Policy['failureMode'] }): Policy {
  return {
    id: input.id,
    match: { customerTier: input.tier },
    algorithm: input.algorithm ?? 'token_bucket',
    limit: input.limit,
    windowSeconds: input.windowSeconds ?? MONTH_SECONDS,
    burst: input.limit,
    scope: 'regional',
    failureMode: input.failureMode ?? 'open',
    mode: 'enforce',
    version: 1,
  };
}

const document: PolicyDocument = {
  policies: [
    policy({ id: 'big', tier: 'big', limit: 100_000 }),
    policy({ id: 'small', tier: 'small', limit: 1_000 }),
    policy({ id: 'window', tier: 'window', limit: 5, algorithm: 'fixed_window', windowSeconds: 3_600 }),
    policy({ id: 'hot-open', tier: 'hot-open', limit: 1_000_000 }),
    policy({ id: 'hot-closed', tier: 'hot-closed', limit: 1_000_000, failureMode: 'closed' }),
  ],
  overrides: [],
  customers: { big: { tier: 'big' }, small: { tier: 'small' }, window: { tier: 'window' }, 'hot-open': { tier: 'hot-open' }, 'hot-closed': { tier: 'hot-closed' } },
};

/** Leases from 20 req/s per key; returned after 100 ms idle. */
const HOT_ENV = { HOTKEY_THRESHOLD_PER_SECOND: '20', HOTKEY_LEASE_MS: '100' };
/** The counting tests, like every other, run with the default command deadline (20 ms of silence). */
const COUNTING_ENV = HOT_ENV;

interface Outcome {
  readonly customer: string;
  readonly status: number;
  readonly degraded: boolean;
  readonly ms: number;
  readonly startedAt: number;
}

async function check(app: NestFastifyApplication, customerId: string, key = `${customerId}-hot-user`): Promise<Outcome & { body: CheckResponse }> {
  const startedAt = performance.now();
  const response = await app.inject({ method: 'POST', url: '/v1/check', payload: { key, customerId } });
  const body = response.json<CheckResponse>();
  return { customer: customerId, status: response.statusCode, degraded: body.degraded === true, ms: performance.now() - startedAt, startedAt, body };
}

/** `workers` concurrent loops per app over `customers` (round robin), until `count` decisions or `stop()`. */
function load(input: { apps: readonly NestFastifyApplication[]; customers: readonly string[]; workers: number; count?: number }): { done: Promise<Outcome[]>; stop: () => Promise<Outcome[]> } {
  const outcomes: Outcome[] = [];
  let running = true;
  let issued = 0;
  const loops = input.apps.flatMap((app) =>
    Array.from({ length: input.workers }, async (_, worker) => {
      for (let i = 0; running && (input.count === undefined || issued < input.count); i++) {
        issued++;
        outcomes.push(await check(app, input.customers[(worker + i) % input.customers.length]));
      }
    }),
  );
  const done = Promise.all(loops).then(() => outcomes);
  return {
    done,
    stop: async () => {
      running = false;
      return done;
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function p99(outcomes: readonly Outcome[]): number {
  const sorted = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
}

async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return value?.value ?? 0;
}

/** Script calls Redis has run (EVALSHA and EVAL) since the last CONFIG RESETSTAT. */
async function scriptCalls(admin: Redis): Promise<number> {
  const stats = await admin.info('commandstats');
  const calls = (command: string): number => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
  return calls('evalsha') + calls('eval');
}

describe('hot keys against a real redis-server shared by two enforcers', () => {
  let redis: RedisServerHandle;
  let admin: Redis;
  let direct: RedisClient;
  let counters: RedisCounterStore;
  const apps: NestFastifyApplication[] = [];
  const registries: Registry[] = [];
  let policies: StaticPolicySource;

  beforeAll(async () => {
    redis = await startRedisServer();
    admin = new Redis(redis.url);
    direct = createRedisClient({ url: redis.url }, { commandTimeoutMs: 5_000 });
    await waitForReady(direct, 10_000);
    counters = new RedisCounterStore({ client: direct });
    policies = new StaticPolicySource(document);
    for (const region of ['a', 'b']) {
      const { app, registry } = await createTestApp({ store: 'from-config', policies, env: { REDIS_URL: redis.url, INSTANCE_ID: region, ...COUNTING_ENV } });
      await waitFor('enforcer ready', async () => (await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, 10_000);
      apps.push(app);
      registries.push(registry);
    }
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    admin?.disconnect();
    direct?.disconnect();
    await redis?.stop();
  });

  /** What Redis holds for `customer`'s hot key: the remaining tokens after taking one more. */
  async function redisRemaining(customer: string, limit: number): Promise<number> {
    const key = buildCounterKey({ policyId: customer, identity: `${customer}-hot-user`, algorithm: 'token_bucket' });
    const decision = await counters.decide({ key, algorithm: 'token_bucket', limit, windowUs: MONTH_SECONDS * 1_000_000, burst: limit, cost: 1 });
    return decision.remaining + 1;
  }

  async function leasesIdle(): Promise<void> {
    // Unused units go back once a key has been idle for HOTKEY_LEASE_MS (100 ms).
    await waitFor('leases returned', async () => {
      const returned = await Promise.all(registries.map((r) => metricValue(r, 'rl_lease_returned_units_total', { outcome: 'returned' })));
      await sleep(300);
      const again = await Promise.all(registries.map((r) => metricValue(r, 'rl_lease_returned_units_total', { outcome: 'returned' })));
      return returned.every((v, i) => v === again[i]);
    }, 10_000);
  }

  it('serves a hot key from leases: a handful of Redis calls, and every admission counted exactly once', async () => {
    await admin.config('RESETSTAT');
    const outcomes = await load({ apps, customers: ['big'], workers: 8, count: 6_000 }).done;
    const calls = await scriptCalls(admin);
    expect(outcomes.filter((o) => o.status !== 200 || o.degraded)).toEqual([]);
    // Redis calls per decision: leases cover ~100 ms of demand each (cold start included).
    expect(calls / outcomes.length).toBeLessThan(0.1);
    const hits = (await Promise.all(registries.map((r) => metricValue(r, 'rl_lease_hits_total')))).reduce((a, b) => a + b, 0);
    expect(hits).toBeGreaterThan(outcomes.length * 0.8);
    await leasesIdle();
    // No unit lost or counted twice: Redis is down by exactly what was admitted (refill < 1 token).
    const remaining = await redisRemaining('big', 100_000);
    expect(remaining).toBeGreaterThanOrEqual(100_000 - outcomes.length);
    expect(remaining).toBeLessThanOrEqual(100_000 - outcomes.length + 1);
  });

  it('never admits more than the limit across both instances, and reconciles to it', async () => {
    const outcomes = await load({ apps, customers: ['small'], workers: 8, count: 4_000 }).done;
    const admitted = outcomes.filter((o) => o.status === 200).length;
    expect(outcomes.filter((o) => o.status !== 200 && o.status !== 429)).toEqual([]);
    expect(admitted).toBeLessThanOrEqual(1_000);
    // Units still held in a lease when the load stopped (at most 10% of the burst per instance).
    expect(admitted).toBeGreaterThanOrEqual(800);
    await leasesIdle();
    const remaining = await redisRemaining('small', 1_000);
    expect(remaining).toBeGreaterThanOrEqual(1_000 - admitted);
    expect(remaining).toBeLessThanOrEqual(1_000 - admitted + 1);
  });

  it('denies a key known to be over its limit without calling Redis, until a policy change', async () => {
    const [app] = apps;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await check(app, 'window', 'window-user')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    await admin.config('RESETSTAT');
    const denied = await check(app, 'window', 'window-user');
    expect(denied.status).toBe(429);
    expect(denied.body.retryAfterSeconds).toBeGreaterThan(0);
    expect(await scriptCalls(admin)).toBe(0);
    expect(await metricValue(registries[0], 'rl_deny_cache_hits_total')).toBeGreaterThan(0);

    // The limit is raised: the cached denial must not outlive the old policy.
    policies.replace({ ...document, policies: document.policies.map((p) => (p.id === 'window' ? { ...p, limit: 10, version: 2 } : p)) });
    const after = await check(app, 'window', 'window-user');
    expect(after).toMatchObject({ status: 200 });
    expect(after.body.policy).toEqual({ id: 'window', version: 2 });
    expect(await scriptCalls(admin)).toBe(1);
    policies.replace(document);
  });

  it('keeps hot keys fast and following their failure mode while Redis is paused (SIGSTOP), and returns within 2 s of SIGCONT', async () => {
    const { app } = await createTestApp({ store: 'from-config', policies, env: { REDIS_URL: redis.url, INSTANCE_ID: 'c', ...HOT_ENV } });
    apps.push(app);
    await waitFor('enforcer ready', async () => (await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, 10_000);
    const running = load({ apps: [app], customers: ['hot-open', 'hot-closed'], workers: 4 });
    await sleep(500);
    const stoppedAt = performance.now();
    redis.process.child.kill('SIGSTOP');
    try {
      await sleep(1_000);
    } finally {
      redis.process.child.kill('SIGCONT');
    }
    const resumedAt = performance.now();
    await waitFor('decisions from Redis again', async () => !(await check(app, 'hot-closed', 'recovery-probe')).degraded, 5_000);
    const recoveredMs = performance.now() - resumedAt;
    const outcomes = await running.stop();
    const paused = outcomes.filter((o) => o.startedAt > stoppedAt && o.startedAt < resumedAt);
    expect(paused.length).toBeGreaterThan(100);
    expect(p99(paused)).toBeLessThan(100);
    for (const o of outcomes) {
      if (o.customer === 'hot-open') expect([200, 429]).toContain(o.status);
      else expect(o.status).toBe(o.degraded ? 503 : 200);
    }
    // Closed-policy requests were answered 503 while nothing was leased, open ones admitted locally.
    expect(paused.some((o) => o.customer === 'hot-closed' && o.status === 503)).toBe(true);
    expect(paused.some((o) => o.customer === 'hot-open' && o.degraded && o.status === 200)).toBe(true);
    expect(recoveredMs).toBeLessThan(2_000);
  });

  it('loses no hot-key decision to SCRIPT FLUSH mid-load, and counts each admission once', async () => {
    const before = await redisRemaining('big', 100_000);
    const running = load({ apps: apps.slice(0, 2), customers: ['big'], workers: 4 });
    for (let i = 0; i < 5; i++) {
      await sleep(100);
      expect(await admin.script('FLUSH')).toBe('OK');
    }
    await sleep(100);
    const outcomes = await running.stop();
    expect(outcomes.length).toBeGreaterThan(100);
    expect(outcomes.filter((o) => o.degraded || o.status !== 200)).toEqual([]);
    for (const registry of registries) expect(await metricValue(registry, 'rl_store_errors_total', { kind: 'unavailable' })).toBe(0);
    await leasesIdle();
    // `before` took one token to read; so does this read.
    const remaining = await redisRemaining('big', 100_000);
    expect(remaining).toBeGreaterThanOrEqual(before - 1 - outcomes.length);
    expect(remaining).toBeLessThanOrEqual(before - 1 - outcomes.length + 1);
  });
});
