import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Policy, PolicyDocument } from '@rl/contracts';
import { startRedisServer, waitFor, type RedisServerHandle } from '@rl/testing';
import { postJson, startAppOnRedis } from '../testing/app-on-redis';

/**
 * Concurrency limits against a real redis-server with `npm start`'s settings: leases in flight up
 * to the limit, released by the caller, or expired after `leaseSeconds` when the caller crashed
 * holding one (it never releases: the slot frees itself).
 */

const inFlight: Policy = {
  id: 'in-flight',
  match: { customerTier: 'llm' },
  algorithm: 'concurrency',
  limit: 2,
  windowSeconds: 1,
  leaseSeconds: 1,
  burst: 2,
  scope: 'regional',
  failureMode: 'closed',
  mode: 'enforce',
  version: 1,
};

const document: PolicyDocument = { policies: [inFlight], overrides: [], customers: { acme: { tier: 'llm' } } };

describe('acquire and release against a real redis-server', () => {
  let redis: RedisServerHandle;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    redis = await startRedisServer();
    app = await startAppOnRedis({ redisUrl: redis.url, document });
  });

  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  const post = (url: string, payload: Record<string, unknown>) => postJson(app, url, payload);
  const acquire = (key: string) => post('/v1/acquire', { key, customerId: 'acme' });

  it('holds at most the limit in flight, and a release frees a slot at once', async () => {
    const first = await acquire('u1');
    const second = await acquire('u1');
    expect([first.status, second.status]).toEqual([200, 200]);
    const denied = await acquire('u1');
    expect(denied).toMatchObject({ status: 429, headers: { 'retry-after': '1', 'ratelimit-policy': '"in-flight";q=2;qu="concurrent-requests"' } });
    expect((await post('/v1/release', { leaseId: first.body.leaseId })).status).toBe(204);
    expect((await acquire('u1')).status).toBe(200);
    // Another key has its own slots.
    expect((await acquire('u2')).status).toBe(200);
  });

  it('frees the slots of a caller that crashed holding them once their leases expire', async () => {
    const held = [await acquire('crashy'), await acquire('crashy')];
    expect(held.map((r) => r.status)).toEqual([200, 200]);
    expect((await acquire('crashy')).status).toBe(429);
    // The caller crashed: no release ever comes. The leases expire after leaseSeconds.
    await waitFor('a slot to free itself', async () => (await acquire('crashy')).status === 200, 3_000);
    expect((await post('/v1/release', { leaseId: held[0].body.leaseId })).status).toBe(404);
  });
});
