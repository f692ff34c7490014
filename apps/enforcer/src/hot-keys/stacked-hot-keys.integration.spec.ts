import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { CheckResponse, Policy, PolicyDocument } from '@rl/contracts';
import type { StackedDecision } from '@rl/limiter-core';
import { createRedisClient, RedisCounterStore, waitForReady, type RedisClient } from '@rl/redis-store';
import { startRedisServer, waitFor, type RedisServerHandle } from '@rl/testing';
import { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { stackedRequest } from '../check/stacked-request';
import { EnforcerConfig } from '../config/enforcer-config';
import { compilePolicy, rateParameters } from '../policies/compiled-policy';
import { StaticPolicySource } from '../policies/static-policy-source';
import { createTestApp } from '../testing/create-test-app';

/**
 * A hot key under a stacked policy in the real enforcer (default HOTKEY_* and DENY_CACHE_*
 * settings), two instances sharing one real redis-server: leases taken from every limit at once
 * admit exactly the tightest limit, and the deny cache answers a stacked denial with the limit
 * that denied and its retry time until any limit of the policy changes.
 */

const MONTH_SECONDS = 30 * 86_400;
const HOUR_LIMIT = 1_000;
const BIG = 100_000;
const KEY = 'plan-hot-user';

function plan(input: { hour: number; month: number; version: number }): Policy {
  return {
    id: 'plan',
    match: { customerTier: 'plan' },
    algorithm: 'token_bucket',
    limit: BIG,
    windowSeconds: MONTH_SECONDS,
    burst: BIG,
    scope: 'regional',
    failureMode: 'open',
    mode: 'enforce',
    version: input.version,
    limits: [
      { name: 'burst', limit: BIG, windowSeconds: MONTH_SECONDS, algorithm: 'token_bucket', burst: BIG },
      { name: 'hour', limit: input.hour, windowSeconds: 3_600, algorithm: 'fixed_window', burst: input.hour },
      { name: 'month', limit: input.month, window: 'calendar-month', timeZone: 'Europe/Berlin', algorithm: 'fixed_window', burst: input.month },
    ],
  };
}

const documentWith = (policy: Policy): PolicyDocument => ({ policies: [policy], overrides: [], customers: { acme: { tier: 'plan' } } });

interface Outcome {
  readonly status: number;
  readonly retryAfter: string | undefined;
  readonly body: CheckResponse;
}

async function check(app: NestFastifyApplication): Promise<Outcome> {
  const response = await app.inject({ method: 'POST', url: '/v1/check', payload: { key: KEY, customerId: 'acme' } });
  const retryAfter = response.headers['retry-after'];
  return { status: response.statusCode, retryAfter: retryAfter === undefined ? undefined : String(retryAfter), body: response.json<CheckResponse>() };
}

/** `workers` concurrent loops per app on the one key, `count` checks in all. */
async function load(input: { apps: readonly NestFastifyApplication[]; workers: number; count: number }): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let issued = 0;
  const loops = input.apps.flatMap((app) =>
    Array.from({ length: input.workers }, async () => {
      while (issued < input.count) {
        issued++;
        outcomes.push(await check(app));
      }
    }),
  );
  await Promise.all(loops);
  return outcomes;
}

async function metricValue(registry: Registry, name: string): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return metric?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;
}

async function scriptCalls(admin: Redis): Promise<number> {
  const stats = await admin.info('commandstats');
  return ['evalsha', 'eval'].reduce((sum, command) => sum + Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0), 0);
}

describe('a hot stacked key against a real redis-server shared by two enforcers', () => {
  let redis: RedisServerHandle;
  let admin: Redis;
  let direct: RedisClient;
  let counters: RedisCounterStore;
  const apps: NestFastifyApplication[] = [];
  const registries: Registry[] = [];
  const policies = new StaticPolicySource(documentWith(plan({ hour: HOUR_LIMIT, month: BIG, version: 1 })));

  beforeAll(async () => {
    redis = await startRedisServer();
    admin = new Redis(redis.url);
    direct = createRedisClient({ url: redis.url }, { commandTimeoutMs: 5_000 });
    await waitForReady(direct, 10_000);
    counters = new RedisCounterStore({ client: direct });
    for (const instance of ['a', 'b']) {
      const { app, registry } = await createTestApp({ store: 'from-config', policies, env: { REDIS_URL: redis.url, INSTANCE_ID: instance } });
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

  /** What each limit of the plan holds in Redis for the hot key: a peek (cost 0, dry run). */
  async function remaining(): Promise<number[]> {
    const policy = compilePolicy({ parameters: rateParameters(plan({ hour: HOUR_LIMIT, month: BIG, version: 1 })), localPercent: EnforcerConfig.fromEnv({ LOG_LEVEL: 'silent' }).localLimitPercent });
    if (policy.stack === undefined) throw new Error('the plan did not compile to a stack');
    const request = stackedRequest({ policy, stack: policy.stack, identity: KEY, cost: 0, dryRun: true, nowUs: Date.now() * 1000 });
    const [peek] = await counters.decideMany([request]);
    return (peek as StackedDecision).limits.map((limit) => limit.remaining);
  }

  it('admits exactly the tightest limit of the stack, served from leases taken from every limit', async () => {
    const outcomes = await load({ apps, workers: 8, count: 3_000 });
    expect(outcomes.filter((o) => o.status !== 200 && o.status !== 429)).toEqual([]);
    expect(outcomes.filter((o) => o.body.degraded === true)).toEqual([]);
    expect(outcomes.filter((o) => o.status === 200).length).toBe(HOUR_LIMIT);
    const hits = (await Promise.all(registries.map((r) => metricValue(r, 'rl_lease_hits_total')))).reduce((a, b) => a + b, 0);
    expect(hits).toBeGreaterThan(HOUR_LIMIT / 2);
    // Units leased and not spent go back to every limit once the key is idle: every limit is then
    // down by exactly what was admitted (the burst bucket refills far less than one unit meanwhile).
    await waitFor('unused units back in every limit', async () => (await remaining()).join() === [BIG - HOUR_LIMIT, 0, BIG - HOUR_LIMIT].join(), 10_000);
  });

  it('answers a remembered stacked denial without Redis, naming the limit that denied and its retry time, until any limit changes', async () => {
    const [app] = apps;
    // The hour limit is spent (by the test before, or here): the store has denied, and the denial is remembered.
    for (let i = 0; i <= 2 * HOUR_LIMIT && (await check(app)).status !== 429; i++);
    await admin.config('RESETSTAT');
    const denied = await check(app);
    expect(await scriptCalls(admin)).toBe(0);
    expect(denied.status).toBe(429);
    expect(denied.body.violated).toEqual(['plan-hour']);
    expect(denied.body['violated-policies']).toEqual(['plan-hour']);
    // The hour window's end: at most an hour away, in whole seconds in the header.
    expect(denied.body.retryAfterSeconds).toBeGreaterThan(0);
    expect(denied.body.retryAfterSeconds).toBeLessThanOrEqual(3_600);
    expect(denied.retryAfter).toBe(String(Math.max(1, Math.ceil(denied.body.retryAfterSeconds))));
    expect(await metricValue(registries[0], 'rl_deny_cache_hits_total')).toBeGreaterThan(0);

    // A limit that did not deny changes: the remembered denial is void, Redis decides (and still denies by the hour).
    policies.replace(documentWith(plan({ hour: HOUR_LIMIT, month: 2 * BIG, version: 2 })));
    const month = await check(app);
    expect(await scriptCalls(admin)).toBeGreaterThan(0);
    expect(month).toMatchObject({ status: 429, body: { violated: ['plan-hour'], policy: { id: 'plan', version: 2 } } });

    // The limit that denied is raised: admitted at once.
    policies.replace(documentWith(plan({ hour: 2 * HOUR_LIMIT, month: 2 * BIG, version: 3 })));
    expect(await check(app)).toMatchObject({ status: 200, body: { policy: { id: 'plan', version: 3 } } });
  });
});
