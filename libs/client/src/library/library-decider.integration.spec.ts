import { createRedisClient, waitForReady, type RedisClient } from '@rl/redis-store';
import { startRedisServer, type RedisServerHandle } from '@rl/testing';
import { RateLimitClient } from '../core/rate-limit-client';
import type { DegradedReason } from '../core/decision';

/** Library mode on a real redis-server, and the policies' failure modes when it goes away. */

let server: RedisServerHandle | undefined;
let redis: RedisClient;

beforeAll(async () => {
  server = await startRedisServer();
  // A short connect timeout: after the server is stopped, ioredis' pending reconnect attempt holds a timer that long.
  redis = createRedisClient({ url: server.url }, { commandTimeoutMs: 2_000, connectTimeoutMs: 300 });
  await waitForReady(redis, 10_000);
});

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

it('shares counters between clients through Redis, then honours each policy failure mode once Redis is gone', async () => {
  const reasons: DegradedReason[] = [];
  const make = (): RateLimitClient =>
    new RateLimitClient({
      mode: 'library',
      redis,
      decisionTimeoutMs: 1_000,
      onDegraded: (event) => reasons.push(event.reason),
      policies: [
        { id: 'lenient', algorithm: 'gcra', limit: 3, windowSeconds: 60, failureMode: 'open' },
        { id: 'strict', algorithm: 'sliding_window', limit: 3, windowSeconds: 60, failureMode: 'closed' },
      ],
    });
  const first = make();
  const second = make();
  await first.warmUp();
  const statuses = [];
  for (const client of [first, second, first, second]) statuses.push((await client.check({ key: 'shared' })).statusCode);
  expect(statuses).toEqual([200, 200, 200, 429]);
  expect(await redis.exists('rl:{lenient:shared}:gu')).toBe(1);

  await server?.stop();
  server = undefined;
  const open = await first.check({ key: 'shared' });
  expect(open).toMatchObject({ statusCode: 200, allowed: true, degraded: true, degradedReason: 'store-failure', policy: { id: 'lenient' }, limit: 3 });
  const closed = await first.check({ key: 'shared', policy: 'strict' });
  expect(closed).toMatchObject({ statusCode: 503, allowed: false, degraded: true, retryAfterSeconds: 1, policy: { id: 'strict' }, windowSeconds: 60 });
  await new Promise((resolve) => setImmediate(resolve));
  expect(reasons).toEqual(['store-failure', 'store-failure']);
});
