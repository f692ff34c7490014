import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { CheckResponse, Policy, PolicyDocument } from '@rl/contracts';
import { calendarBounds } from '@rl/limiter-core';
import { startRedisCluster, startRedisServer, waitFor, type RedisClusterHandle, type RedisServerHandle } from '@rl/testing';
import { Redis } from 'ioredis';
import { StaticPolicySource } from '../policies/static-policy-source';
import { createTestApp } from '../testing/create-test-app';

/**
 * Stacked limits through POST /v1/check against a real redis-server and a Redis Cluster: every
 * limit in RateLimit-Policy and RateLimit, the most constraining one in X-RateLimit-* and the
 * body, a denial naming the limit that denied, and a partial admit that takes nothing.
 */

const plan: Policy = {
  id: 'acme',
  match: { customerId: 'acme' },
  algorithm: 'fixed_window',
  limit: 3,
  windowSeconds: 60,
  burst: 3,
  scope: 'regional',
  failureMode: 'closed',
  mode: 'enforce',
  version: 1,
  limits: [
    { name: 'minute', limit: 3, windowSeconds: 60, algorithm: 'fixed_window', burst: 3 },
    { name: 'hour', limit: 100, windowSeconds: 3_600, algorithm: 'sliding_window', burst: 100 },
    { name: 'month', limit: 5, window: 'calendar-month', timeZone: 'Europe/Berlin', algorithm: 'fixed_window', burst: 5 },
  ],
};
const shadowPlan: Policy = { ...plan, id: 'trial', match: { customerId: 'trial' }, mode: 'shadow' };
const document: PolicyDocument = { policies: [plan, shadowPlan], overrides: [], customers: {} };

async function check(app: NestFastifyApplication, payload: object): Promise<{ status: number; body: CheckResponse; headers: Record<string, unknown> }> {
  const response = await app.inject({ method: 'POST', url: '/v1/check', payload });
  return { status: response.statusCode, body: response.json(), headers: response.headers };
}

async function ready(app: NestFastifyApplication, timeoutMs: number): Promise<void> {
  await waitFor('enforcer ready', async () => (await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, timeoutMs);
}

/** The `r` of each item of a RateLimit header, by name. */
function remainingOf(header: unknown): Record<string, number> {
  return Object.fromEntries(
    String(header)
      .split(', ')
      .map((item) => /^"([^"]+)";r=(\d+);t=\d+$/.exec(item))
      .map((match) => [match?.[1] ?? '?', Number(match?.[2])]),
  );
}

describe('stacked limits on a real redis-server', () => {
  let redis: RedisServerHandle;
  let app: NestFastifyApplication;
  let probe: Redis;

  beforeAll(async () => {
    redis = await startRedisServer();
    ({ app } = await createTestApp({ store: 'from-config', policies: new StaticPolicySource(document), env: { REDIS_URL: redis.url } }));
    await ready(app, 10_000);
    probe = new Redis(redis.url);
  });

  afterAll(async () => {
    probe?.disconnect();
    await app?.close();
    await redis?.stop();
  });

  it('lists every limit, describes the most constraining one, and denies naming the limit that denied', async () => {
    const first = await check(app, { key: 'user-1', customerId: 'acme' });
    expect(first.status).toBe(200);
    expect(first.headers['ratelimit-policy']).toBe('"acme-minute";q=3;w=60, "acme-hour";q=100;w=3600, "acme-month";q=5;w=2592000');
    expect(remainingOf(first.headers.ratelimit)).toEqual({ 'acme-minute': 2, 'acme-hour': 99, 'acme-month': 4 });
    expect(first.headers).toMatchObject({ 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '2' });
    expect(first.body).toMatchObject({ allowed: true, limit: 3, remaining: 2, policy: { id: 'acme', version: 1 } });

    await check(app, { key: 'user-1', customerId: 'acme' });
    await check(app, { key: 'user-1', customerId: 'acme' });
    const denied = await check(app, { key: 'user-1', customerId: 'acme' });
    expect(denied.status).toBe(429);
    expect(denied.body).toMatchObject({ allowed: false, limit: 3, remaining: 0, 'violated-policies': ['acme-minute'], violated: ['acme-minute'] });
    expect(Number(denied.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // The partial admit (hour and month would admit) took nothing from them.
    expect(remainingOf(denied.headers.ratelimit)).toEqual({ 'acme-minute': 0, 'acme-hour': 97, 'acme-month': 2 });
    expect(await probe.exists('rl:{acme:user-1}:minute:fw', 'rl:{acme:user-1}:hour:sw', 'rl:{acme:user-1}:month:cw')).toBe(3);
  });

  it('names the month when the calendar limit denies, with Retry-After pointing at the local month boundary', async () => {
    // A cost of 3 fits the minute (3) but the month (5) only once.
    expect((await check(app, { key: 'user-2', customerId: 'acme', cost: 3 })).status).toBe(200);
    await probe.del('rl:{acme:user-2}:minute:fw');
    const denied = await check(app, { key: 'user-2', customerId: 'acme', cost: 3 });
    expect(denied.status).toBe(429);
    expect(denied.body['violated-policies']).toEqual(['acme-month']);
    const boundary = calendarBounds({ window: 'calendar-month', timeZone: 'Europe/Berlin', nowUs: Date.now() * 1000 }).endUs;
    const expected = (boundary - Date.now() * 1000) / 1_000_000;
    expect(Number(denied.headers['retry-after'])).toBeGreaterThanOrEqual(Math.floor(expected) - 5);
    expect(Number(denied.headers['retry-after'])).toBeLessThanOrEqual(Math.ceil(expected) + 5);
    expect(denied.body).toMatchObject({ limit: 5, remaining: 2 });
  });

  it('answers a dry run as a real check would, taking nothing from any limit', async () => {
    await check(app, { key: 'user-6', customerId: 'acme' });
    const dry = await check(app, { key: 'user-6', customerId: 'acme', dryRun: true, cost: 2 });
    expect(dry).toMatchObject({ status: 200, body: { dryRun: true, matched: 'customer', remaining: 0 } });
    expect(remainingOf(dry.headers.ratelimit)).toEqual({ 'acme-minute': 0, 'acme-hour': 97, 'acme-month': 2 });
    const after = await check(app, { key: 'user-6', customerId: 'acme', dryRun: true });
    expect(remainingOf(after.headers.ratelimit)).toEqual({ 'acme-minute': 1, 'acme-hour': 98, 'acme-month': 3 });
  });

  it('in shadow mode, counts all or nothing and reports the denial it would make', async () => {
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await check(app, { key: 'user-4', customerId: 'trial' }));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(replies[3].body).toMatchObject({ allowed: true, shadow: true, wouldDeny: true, remaining: 0, wouldViolate: ['trial-minute'] });
    expect(replies[2].body).not.toHaveProperty('wouldViolate');
    expect(replies[3].body).not.toHaveProperty('violated-policies');
    expect(remainingOf(replies[3].headers.ratelimit)).toEqual({ 'trial-minute': 0, 'trial-hour': 97, 'trial-month': 2 });
  });

  it('refuses a cost above the tightest limit, naming it, without a store call', async () => {
    const refused = await check(app, { key: 'user-3', customerId: 'acme', cost: 4 });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ reason: 'cost_exceeds_limit', 'violated-policies': ['acme-minute'], limit: 3, remaining: 0 });
    expect(refused.headers['ratelimit-policy']).toBe('"acme-minute";q=3;w=60, "acme-hour";q=100;w=3600, "acme-month";q=5;w=2592000');
    expect(refused.headers['retry-after']).toBeUndefined();
    expect(await probe.exists('rl:{acme:user-3}:minute:fw')).toBe(0);
  });
});

describe('stacked limits on a Redis Cluster', () => {
  let cluster: RedisClusterHandle | undefined;
  let app: NestFastifyApplication | undefined;

  afterAll(async () => {
    await app?.close();
    await cluster?.stop();
  });

  it('decides every identity in one call per stack, all or nothing', async () => {
    cluster = await startRedisCluster();
    ({ app } = await createTestApp({ store: 'from-config', policies: new StaticPolicySource(document), env: { REDIS_CLUSTER_NODES: cluster.nodes.join(',') } }));
    await ready(app, 20_000);
    const enforcer = app;
    // Every node answering: a probe key decided by the store (the plan fails closed otherwise).
    let probe = 0;
    await waitFor('the cluster deciding', async () => (await check(enforcer, { key: `probe-${probe++}`, customerId: 'acme' })).body.degraded !== true, 20_000);
    for (let i = 0; i < 20; i++) {
      const key = `cluster-user-${i}`;
      const statuses = [];
      for (let n = 0; n < 4; n++) statuses.push((await check(enforcer, { key, customerId: 'acme' })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
    }
    const last = await check(enforcer, { key: 'cluster-user-0', customerId: 'acme' });
    expect(remainingOf(last.headers.ratelimit)).toEqual({ 'acme-minute': 0, 'acme-hour': 97, 'acme-month': 2 });
  });
});

describe('stacked limits while redis-server is down', () => {
  let redis: RedisServerHandle | undefined;
  let app: NestFastifyApplication | undefined;
  const openPlan: Policy = {
    ...plan,
    id: 'open-plan',
    match: { customerId: 'open-co' },
    failureMode: 'open',
    limits: [
      { name: 'minute', limit: 4, windowSeconds: 60, algorithm: 'fixed_window', burst: 4 },
      { name: 'month', limit: 2, window: 'calendar-month', timeZone: 'UTC', algorithm: 'fixed_window', burst: 2 },
    ],
  };
  const closedPlan: Policy = { ...plan, id: 'closed-plan', match: { customerId: 'closed-co' } };

  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  it('fails open within the local share of every limit, and fails closed with 503 naming no limit', async () => {
    redis = await startRedisServer();
    ({ app } = await createTestApp({ store: 'from-config', policies: new StaticPolicySource({ policies: [openPlan, closedPlan], overrides: [], customers: {} }), env: { REDIS_URL: redis.url } }));
    await ready(app, 10_000);
    await redis.stop();
    const enforcer = app;
    await waitFor('the store failing', async () => (await check(enforcer, { key: 'probe', customerId: 'closed-co' })).status === 503, 10_000);

    // DEGRADED_LIMIT_PERCENT 50 on one instance: 2 of the minute, 1 of the month, all or nothing.
    const first = await check(enforcer, { key: 'user-5', customerId: 'open-co' });
    expect(first).toMatchObject({ status: 200, body: { degraded: true } });
    expect(first.headers['ratelimit-policy']).toBe('"open-plan-minute";q=2;w=60, "open-plan-month";q=1;w=2592000');
    const second = await check(enforcer, { key: 'user-5', customerId: 'open-co' });
    expect(second).toMatchObject({ status: 429, body: { degraded: true, 'violated-policies': ['open-plan-month'] } });
    expect(remainingOf(second.headers.ratelimit)).toEqual({ 'open-plan-minute': 1, 'open-plan-month': 0 });

    const closed = await check(enforcer, { key: 'user-5', customerId: 'closed-co' });
    expect(closed).toMatchObject({ status: 503, body: { degraded: true } });
    expect(closed.body).not.toHaveProperty('violated-policies');
    expect(Number(closed.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });
});
