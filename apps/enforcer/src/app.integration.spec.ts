import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { CheckResponse, PolicyDocument } from '@rl/contracts';
import { freePort, startRedisCluster, startRedisServer, waitFor, type RedisClusterHandle, type RedisServerHandle } from '@rl/testing';
import { Redis } from 'ioredis';
import { StaticPolicySource } from './policies/static-policy-source';
import { createTestApp } from './testing/create-test-app';

const document: PolicyDocument = {
  policies: [
    {
      id: 'closed-tier',
      match: { customerTier: 'closed' },
      algorithm: 'fixed_window',
      limit: 5,
      windowSeconds: 60,
      burst: 5,
      scope: 'regional',
      failureMode: 'closed',
      mode: 'enforce',
      version: 1,
    },
  ],
  overrides: [],
  customers: { fortknox: { tier: 'closed' } },
};

async function check(app: NestFastifyApplication, payload: object): Promise<{ status: number; body: CheckResponse; headers: Record<string, unknown> }> {
  const response = await app.inject({ method: 'POST', url: '/v1/check', payload });
  return { status: response.statusCode, body: response.json(), headers: response.headers };
}

async function readyStatus(app: NestFastifyApplication): Promise<number> {
  return (await app.inject({ method: 'GET', url: '/readyz' })).statusCode;
}

describe('enforcer against a real redis-server', () => {
  let redis: RedisServerHandle | undefined;
  let app: NestFastifyApplication | undefined;

  afterEach(async () => {
    await app?.close();
    await redis?.stop();
    app = undefined;
    redis = undefined;
  });

  it('counts in Redis, denies over the limit, degrades while Redis is down and recovers', async () => {
    redis = await startRedisServer();
    ({ app } = await createTestApp({
      store: 'from-config',
      policies: new StaticPolicySource(document),
      env: { REDIS_URL: redis.url },
    }));
    const enforcer = app;
    await waitFor('enforcer ready', async () => (await readyStatus(enforcer)) === 200, 10_000);

    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { status, body } = await check(enforcer, { key: 'int-user', limit: 3, windowSeconds: 60 });
      outcomes.push(`${status}${body.degraded ? ' degraded' : ''}`);
    }
    expect(outcomes).toEqual(['200', '200', '200', '429']);
    const denied = await check(enforcer, { key: 'int-user', limit: 3, windowSeconds: 60 });
    expect(denied.body).toMatchObject({ allowed: false, limit: 3, remaining: 0, policy: { id: 'inline', version: 0 }, region: 'us-east', 'violated-policies': ['inline'] });
    expect(denied.headers['ratelimit-policy']).toBe('"inline";q=3;w=60');
    expect(Number(denied.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(denied.body.degraded).toBeUndefined();

    const probe = new Redis(redis.url);
    try {
      expect(await probe.exists('rl:{inline:3:60:int-user}:tu')).toBe(1);
    } finally {
      probe.disconnect();
    }

    const port = redis.port;
    await redis.stop();
    redis = undefined;
    await waitFor('enforcer not ready', async () => (await readyStatus(enforcer)) === 503, 10_000);
    const ready = await enforcer.inject({ method: 'GET', url: '/readyz' });
    expect(ready.json()).toMatchObject({ status: 'not_ready', missing: [{ name: 'redis' }] });
    expect(await check(enforcer, { key: 'outage-user' })).toMatchObject({ status: 200, body: { allowed: true, degraded: true, limit: 50 } });
    const closed = await check(enforcer, { key: 'outage-user', customerId: 'fortknox' });
    expect(closed).toMatchObject({ status: 503, body: { allowed: false, degraded: true } });
    expect(closed.headers['retry-after']).toBe('1');

    redis = await startRedisServer({ port });
    await waitFor('enforcer ready again', async () => (await readyStatus(enforcer)) === 200, 15_000);
    const recovered = await check(enforcer, { key: 'after-outage', customerId: 'fortknox' });
    expect(recovered).toMatchObject({ status: 200, body: { allowed: true, limit: 5, remaining: 4 } });
    expect(recovered.body.degraded).toBeUndefined();
  });

  it('starts while Redis is down, reports not-ready, and becomes ready once Redis is up', async () => {
    const port = await freePort();
    ({ app } = await createTestApp({ store: 'from-config', env: { REDIS_URL: `redis://127.0.0.1:${port}` } }));
    const enforcer = app;
    expect(await readyStatus(enforcer)).toBe(503);
    expect((await enforcer.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect(await check(enforcer, { key: 'early' })).toMatchObject({ status: 200, body: { degraded: true } });

    redis = await startRedisServer({ port });
    await waitFor('enforcer ready', async () => (await readyStatus(enforcer)) === 200, 15_000);
    expect(await check(enforcer, { key: 'late' })).toMatchObject({ status: 200, body: { allowed: true, remaining: 99 } });
  });

  it('decides on a Redis Cluster when REDIS_CLUSTER_NODES is set', async () => {
    let cluster: RedisClusterHandle | undefined;
    try {
      cluster = await startRedisCluster();
      ({ app } = await createTestApp({
        store: 'from-config',
        env: { REDIS_CLUSTER_NODES: cluster.nodes.join(',') },
      }));
      const enforcer = app;
      await waitFor('enforcer ready on the cluster', async () => (await readyStatus(enforcer)) === 200, 20_000);
      // Keys of many identities spread over the cluster's slots; each decision stays in one slot.
      for (let i = 0; i < 30; i++) {
        const key = `cluster-user-${i}`;
        expect(await check(enforcer, { key, limit: 1, windowSeconds: 60 })).toMatchObject({ status: 200 });
        const denied = await check(enforcer, { key, limit: 1, windowSeconds: 60 });
        expect(denied).toMatchObject({ status: 429, body: { allowed: false, remaining: 0 } });
        expect(denied.body.degraded).toBeUndefined();
      }
    } finally {
      await app?.close();
      app = undefined;
      await cluster?.stop();
    }
  });
});
