import { createLogger } from '@rl/platform';
import { startRedisServer, waitFor, type RedisServerHandle } from '@rl/testing';
import type { Redis } from 'ioredis';
import { CountingMetrics } from '../testing/counting-metrics';
import { RedisTier, type BreakerSettings } from './redis-tier';

/** BREAKER_* and REDIS_COMMAND_TIMEOUT_MS as `npm start` sets them. */
const BREAKER: BreakerSettings = { failureThreshold: 3, failureWindowMs: 1_000, cooldownMs: 250, cooldownJitterMs: 250 };
const COMMAND_TIMEOUT_MS = 20;

/** The client inside a tier: the tests end it the way ioredis does after a failover-detector race. */
const clientOf = (tier: RedisTier): Redis => (tier as unknown as { client: Redis }).client;

describe('RedisTier against a real redis-server', () => {
  let redis: RedisServerHandle;
  let tier: RedisTier | undefined;

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterEach(async () => {
    await tier?.close();
    tier = undefined;
  });
  afterAll(async () => {
    await redis.stop();
  });

  const startTier = (): RedisTier => {
    const created = new RedisTier({
      name: 'primary',
      target: { url: redis.url },
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      connectionName: 'tier-test',
      breaker: BREAKER,
      logger: createLogger({ service: 'test', level: 'silent' }),
      metrics: new CountingMetrics(),
    });
    created.start();
    return created;
  };
  const answers = async (t: RedisTier): Promise<boolean> => t.ping().then(() => true, () => false);

  it('reconnects a client that ended without being closed (ioredis ends a Sentinel client after a failover-detector race)', async () => {
    const current = (tier = startTier());
    await waitFor('tier connected', () => answers(current), 5_000);
    clientOf(current).disconnect();
    await waitFor('client ended', async () => clientOf(current).status === 'end', 2_000);
    await waitFor('tier reconnected on its own', () => answers(current), 3_000);
  });

  it('authenticates with REDIS_USERNAME / REDIS_PASSWORD against a Redis that requires it', async () => {
    const guarded = await startRedisServer({ extraArgs: ['--requirepass', 'counter-secret'] });
    const logger = createLogger({ service: 'test', level: 'silent' });
    const make = (auth: { password?: string } | undefined): RedisTier =>
      new RedisTier({ name: 'primary', target: { url: guarded.url }, auth, commandTimeoutMs: 1_000, connectionName: 'tier-auth', breaker: BREAKER, logger, metrics: new CountingMetrics() });
    const withPassword = make({ password: 'counter-secret' });
    const without = make(undefined);
    try {
      withPassword.start();
      without.start();
      await waitFor('authenticated tier connected', () => answers(withPassword), 5_000);
      const decision = await withPassword.store.decide({ key: 'rl:{p:auth}:tb', algorithm: 'token_bucket', limit: 5, windowUs: 60_000_000, burst: 5, cost: 1 });
      expect(decision.allowed).toBe(true);
      expect(await answers(without)).toBe(false);
    } finally {
      await Promise.all([withPassword.close(), without.close()]);
      await guarded.stop();
    }
  });

  it('stays closed once closed', async () => {
    const current = startTier();
    await waitFor('tier connected', () => answers(current), 5_000);
    await current.close();
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(clientOf(current).status).toBe('end');
    expect(await answers(current)).toBe(false);
  });
});
