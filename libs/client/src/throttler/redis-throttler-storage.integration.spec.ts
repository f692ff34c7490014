import { Controller, Get, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { createRedisClient, throttlerKeys, waitForReady, type RedisClient } from '@rl/redis-store';
import { startRedisCluster, startRedisServer, type RedisClusterHandle, type RedisServerHandle } from '@rl/testing';
import { Redis } from 'ioredis';
import { RedisThrottlerStorage } from './redis-throttler-storage';

/**
 * @nestjs/throttler's own storage specification (src/throttler.service.spec.ts of the package,
 * v6: the cases that describe increment's results) run against RedisThrottlerStorage on a real
 * redis-server; then a real ThrottlerGuard in Nest apps that use it. TTLs are stretched where the
 * package's relied on a fast machine; expiry cases sleep past the TTL with a margin.
 */

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let server: RedisServerHandle;
let client: RedisClient;
let run = 0;

beforeAll(async () => {
  server = await startRedisServer();
  client = createRedisClient({ url: server.url }, { commandTimeoutMs: 5_000 });
  await waitForReady(client, 10_000);
});

afterAll(async () => {
  client?.disconnect();
  await server?.stop();
});

describe('the ThrottlerStorage contract', () => {
  let service: RedisThrottlerStorage;
  let prefix: string;

  beforeEach(() => {
    prefix = `spec${++run}`;
    service = new RedisThrottlerStorage({ client, prefix, timeoutMs: 5_000 });
  });

  it('increments the request count', async () => {
    const result = await service.increment('test', 1000, 1, 0, 'test');
    expect(result).toEqual({ totalHits: 1, timeToExpire: 1, isBlocked: false, timeToBlockExpire: 0 });
  });

  it('keeps keys independent of each other over blocking and unblocking', async () => {
    const ttl = 100;
    const blockDuration = 100;
    // key1 makes one request per iteration and must never be blocked, while key2 (two per
    // iteration) is blocked and unblocked around it.
    for (let i = 0; i < 10; i++) {
      expect((await service.increment('key1', ttl, 3, blockDuration, 'test')).isBlocked).toBe(false);
      await service.increment('key2', ttl, 3, blockDuration, 'test');
      await service.increment('key2', ttl, 3, blockDuration, 'test');
      await sleep(50);
    }
  });

  it('counts throttlers of the same key separately', async () => {
    await service.increment('shared', 60_000, 1, 60_000, 'short');
    expect((await service.increment('shared', 60_000, 1, 60_000, 'short')).isBlocked).toBe(true);
    expect(await service.increment('shared', 60_000, 1, 60_000, 'long')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  describe('with a block duration', () => {
    it('blocks the hit over the limit, keeps blocking, then starts over once the block ends', async () => {
      const hits = [];
      for (let i = 0; i < 3; i++) hits.push(await service.increment('blocking', 60_000, 1, 1_000, 'test'));
      expect(hits.map((h) => [h.totalHits, h.isBlocked])).toEqual([
        [1, false],
        [2, true],
        [2, true],
      ]);
      expect(hits[1].timeToBlockExpire).toBe(1);
      expect(hits[1].timeToExpire).toBeGreaterThanOrEqual(59);
      await sleep(1_200);
      expect(await service.increment('blocking', 60_000, 1, 1_000, 'test')).toMatchObject({ totalHits: 1, isBlocked: false, timeToBlockExpire: 0 });
    });

    it('expires hits without a timer', async () => {
      const ttl = 200;
      await service.increment('expiring', ttl, 2, ttl, 'test');
      await service.increment('expiring', ttl, 2, ttl, 'test');
      await sleep(ttl + 200);
      expect(await service.increment('expiring', ttl, 2, ttl, 'test')).toMatchObject({ totalHits: 1, isBlocked: false });
    });
  });

  describe('without a block duration', () => {
    it('rejects requests over the limit instead of resetting the counter', async () => {
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await service.increment('no-block', 10_000, 2, 0, 'test'));
      expect(results.map((result) => result.isBlocked)).toEqual([false, false, true, true, true]);
      expect(results[2].totalHits).toBe(3);
      expect(results[2].timeToBlockExpire).toBeGreaterThan(0);
    });

    it('reports when the oldest hit expires as the time to wait', async () => {
      const ttl = 10_000;
      await service.increment('oldest', ttl, 1, 0, 'test');
      await sleep(1_100);
      const result = await service.increment('oldest', ttl, 1, 0, 'test');
      expect(result.isBlocked).toBe(true);
      // 9 on time; a stalled machine may have slept longer.
      expect(result.timeToBlockExpire).toBeGreaterThanOrEqual(6);
      expect(result.timeToBlockExpire).toBeLessThanOrEqual(9);
    });

    it('blocks every request for a limit of zero', async () => {
      const result = await service.increment('zero', 1000, 0, 0, 'test');
      expect(result.isBlocked).toBe(true);
      expect(result.timeToBlockExpire).toBe(1);
    });

    it('lets requests through again once the earlier hits expire; rejected retries do not extend the window', async () => {
      const ttl = 2_000;
      await service.increment('no-block', ttl, 2, 0, 'test');
      await service.increment('no-block', ttl, 2, 0, 'test');
      for (let i = 0; i < 3; i++) {
        await sleep(15);
        expect((await service.increment('no-block', ttl, 2, 0, 'test')).isBlocked).toBe(true);
      }
      await sleep(ttl + 200);
      expect(await service.increment('no-block', ttl, 2, 0, 'test')).toMatchObject({ isBlocked: false, totalHits: 1 });
    });
  });

  describe('in Redis', () => {
    it('keeps a record only as long as it matters', async () => {
      await service.increment('ttl', 2_000, 5, 0, 'test');
      const [hits, meta] = throttlerKeys({ prefix, key: 'ttl', throttlerName: 'test' });
      const probe = new Redis(server.url);
      try {
        for (const key of [hits, meta]) {
          const pttl = await probe.pttl(key);
          expect(pttl).toBeGreaterThan(0);
          expect(pttl).toBeLessThanOrEqual(2_000 + 1_000);
        }
      } finally {
        probe.disconnect();
      }
    });

    it('is shared by every storage instance on the same Redis', async () => {
      const other = new RedisThrottlerStorage({ client, prefix, timeoutMs: 5_000 });
      await service.increment('fleet', 60_000, 2, 60_000, 'test');
      await other.increment('fleet', 60_000, 2, 60_000, 'test');
      expect(await service.increment('fleet', 60_000, 2, 60_000, 'test')).toMatchObject({ totalHits: 3, isBlocked: true });
    });

    it('fails open (uncounted) or closed (503) while Redis is unreachable', async () => {
      const dead = createRedisClient({ url: 'redis://127.0.0.1:1' }, { commandTimeoutMs: 200, lazyConnect: true });
      try {
        const open = new RedisThrottlerStorage({ client: dead, timeoutMs: 200 });
        expect(await open.increment('k', 5_000, 1, 0, 'test')).toEqual({ totalHits: 0, timeToExpire: 5, isBlocked: false, timeToBlockExpire: 0 });
        const closed = new RedisThrottlerStorage({ client: dead, timeoutMs: 200, failureMode: 'closed' });
        await expect(closed.increment('k', 5_000, 1, 0, 'test')).rejects.toMatchObject({ status: 503 });
      } finally {
        dead.disconnect();
      }
    });
  });
});

describe('on a Redis Cluster', () => {
  let cluster: RedisClusterHandle | undefined;
  let clusterClient: RedisClient | undefined;

  afterAll(async () => {
    clusterClient?.disconnect();
    await cluster?.stop();
  });

  it('runs the same script with both keys in one slot', async () => {
    cluster = await startRedisCluster({ masters: 3 });
    clusterClient = createRedisClient({ clusterNodes: [...cluster.nodes] }, { commandTimeoutMs: 5_000 });
    await waitForReady(clusterClient, 20_000);
    const storage = new RedisThrottlerStorage({ client: clusterClient, timeoutMs: 5_000 });
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await storage.increment('cluster-key', 60_000, 2, 60_000, 'default'));
    expect(results.map((r) => r.isBlocked)).toEqual([false, false, true]);
  });
});

@Controller()
class PingController {
  @Get('ping')
  ping(): { pong: true } {
    return { pong: true };
  }
}

describe('a real ThrottlerGuard using RedisThrottlerStorage', () => {
  const apps: NestFastifyApplication[] = [];

  afterAll(async () => {
    for (const app of apps) await app.close();
  });

  async function throttledApp(prefix: string): Promise<NestFastifyApplication> {
    @Module({
      imports: [ThrottlerModule.forRoot({ throttlers: [{ ttl: 60_000, limit: 2 }], storage: new RedisThrottlerStorage({ client, prefix, timeoutMs: 5_000 }) })],
      controllers: [PingController],
      providers: [{ provide: APP_GUARD, useClass: ThrottlerGuard }],
    })
    class ThrottledAppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [ThrottledAppModule] }).compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    apps.push(app);
    return app;
  }

  it('answers 429 with the throttler headers once two app instances together pass the limit', async () => {
    const prefix = `guard${++run}`;
    const first = await throttledApp(prefix);
    const second = await throttledApp(prefix);
    const a = await first.inject({ method: 'GET', url: '/ping' });
    const b = await second.inject({ method: 'GET', url: '/ping' });
    const c = await first.inject({ method: 'GET', url: '/ping' });
    expect([a.statusCode, b.statusCode, c.statusCode]).toEqual([200, 200, 429]);
    expect(a.headers).toMatchObject({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': '60' });
    expect(b.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(c.headers['retry-after'])).toBeGreaterThanOrEqual(59);
    expect(c.json()).toMatchObject({ statusCode: 429 });
  });
});
