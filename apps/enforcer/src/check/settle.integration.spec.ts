import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Policy, PolicyDocument } from '@rl/contracts';
import { startRedisServer, waitFor, type RedisServerHandle } from '@rl/testing';
import { postJson, startAppOnRedis } from '../testing/app-on-redis';
import { CheckService } from './check.service';

/**
 * Settling cost after the response, against a real redis-server with `npm start`'s settings: the
 * record is written beside the counter by settle/record.lua, and settle/settle.lua charges,
 * refunds, ignores a repeat and refuses an unknown or expired decision without changing anything.
 */

const policy = (overrides: Partial<Policy> & Pick<Policy, 'id' | 'match'>): Policy => ({
  algorithm: 'token_bucket',
  limit: 1_000,
  // An hour: no refill to speak of during a test.
  windowSeconds: 3_600,
  burst: 1_000,
  scope: 'regional',
  failureMode: 'open',
  mode: 'enforce',
  version: 1,
  ...overrides,
});

const document: PolicyDocument = {
  policies: [
    policy({ id: 'llm-tokens', match: { customerTier: 'llm' } }),
    policy({ id: 'short-window', match: { customerTier: 'short' }, algorithm: 'fixed_window', limit: 100, burst: 100, windowSeconds: 2 }),
    policy({
      id: 'plan',
      match: { customerTier: 'plan' },
      limit: 100,
      burst: 100,
      limits: [
        { name: 'hour', limit: 100, windowSeconds: 3_600, algorithm: 'token_bucket', burst: 100 },
        { name: 'day', limit: 150, window: 'calendar-day', timeZone: 'Europe/Berlin', algorithm: 'fixed_window', burst: 150 },
      ],
    }),
    policy({
      id: 'short-plan',
      match: { customerTier: 'short-plan' },
      algorithm: 'fixed_window',
      limit: 100,
      burst: 100,
      windowSeconds: 1,
      limits: [
        { name: 'tick', limit: 100, windowSeconds: 1, algorithm: 'fixed_window', burst: 100 },
        { name: 'pair', limit: 200, windowSeconds: 2, algorithm: 'fixed_window', burst: 200 },
      ],
    }),
    policy({
      id: 'sliding-plan',
      match: { customerTier: 'sliding-plan' },
      limit: 100,
      burst: 100,
      limits: [
        { name: 'hour', limit: 100, windowSeconds: 3_600, algorithm: 'token_bucket', burst: 100 },
        { name: 'smooth', limit: 100, windowSeconds: 3_600, algorithm: 'sliding_window', burst: 100 },
      ],
    }),
  ],
  overrides: [],
  customers: { llm: { tier: 'llm' }, short: { tier: 'short' }, plan: { tier: 'plan' }, 'short-plan': { tier: 'short-plan' }, 'sliding-plan': { tier: 'sliding-plan' } },
};

describe('settle against a real redis-server', () => {
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
  const check = (key: string, customerId: string, cost: number, settle = true) => post('/v1/check', { key, customerId, cost, settle });
  const settle = (decisionId: string, actualCost: number) => post('/v1/settle', { decisionId, actualCost });
  /** Units left now: a dry run of cost 1 reports what would be left after it. */
  const remaining = async (key: string, customerId: string) => ((await post('/v1/check', { key, customerId, dryRun: true })).body.remaining as number) + 1;

  it('charges, refunds (never above the limit) and ignores a repeat', async () => {
    const estimate = await check('tokens-a', 'llm', 500);
    expect(estimate).toMatchObject({ status: 200, body: { remaining: 500 } });
    expect(estimate.body.decisionId).toMatch(/^s1\./);
    expect(await settle(estimate.body.decisionId, 800)).toMatchObject({ status: 200, body: { estimatedCost: 500, actualCost: 800, remaining: 200, limit: 1_000 } });
    expect(await settle(estimate.body.decisionId, 0)).toMatchObject({ status: 200, body: { actualCost: 800, remaining: 200, repeated: true } });
    expect(await remaining('tokens-a', 'llm')).toBe(200);

    const second = await check('tokens-a', 'llm', 150);
    expect(await settle(second.body.decisionId, 0)).toMatchObject({ status: 200, body: { remaining: 200 } });
    // A refund larger than what is used: nothing used, not less.
    const third = await check('tokens-b', 'llm', 10);
    expect(await settle(third.body.decisionId, 0)).toMatchObject({ status: 200, body: { remaining: 1_000, resetSeconds: 0 } });
  });

  it('lets a charge run into debt that blocks later requests', async () => {
    const estimate = await check('tokens-debt', 'llm', 100);
    expect(await settle(estimate.body.decisionId, 1_600)).toMatchObject({ status: 200, body: { remaining: 0 } });
    // 1,600 used of 1,000: a request of 1 waits for 601 units to drain (36 minutes at 1,000 per hour).
    const next = await check('tokens-debt', 'llm', 1, false);
    expect(next.status).toBe(429);
    expect(next.body.retryAfterSeconds).toBeGreaterThan(2_000);
  });

  it('answers 404 for an unknown decision and 410 for an expired one, changing nothing', async () => {
    const unrecorded = await check('tokens-c', 'llm', 5, false);
    expect(await settle(unrecorded.body.decisionId, 0)).toMatchObject({ status: 404 });
    expect(await remaining('tokens-c', 'llm')).toBe(995);

    const decided = await check('short-a', 'short', 30);
    expect(decided.body.decisionId).toMatch(/^s1\./);
    // The record's nonce is what names it: another nonce for the same counter is unknown.
    const [prefix, expiry, , counter] = decided.body.decisionId.split('.');
    expect(await settle([prefix, expiry, 'A'.repeat(16), counter].join('.'), 0)).toMatchObject({ status: 404 });
    await waitFor('the fixed window to end', async () => (await remaining('short-a', 'short')) === 100, 5_000);
    expect(await settle(decided.body.decisionId, 100)).toMatchObject({ status: 410, body: { error: 'decision_expired' } });
    expect(await remaining('short-a', 'short')).toBe(100);
  });

  /** Each limit's remaining, from a dry run's `RateLimit` header: what an admitted request of 1 would leave, or, denied, what every limit holds. */
  const stackRemaining = async (key: string, customerId: string): Promise<number[]> => {
    const dryRun = await post('/v1/check', { key, customerId, dryRun: true });
    const taken = dryRun.status === 200 ? 1 : 0;
    return [...String(dryRun.headers.ratelimit).matchAll(/;r=(\d+)/g)].map((match) => Number(match[1]) + taken);
  };

  it('settles a stacked decision on every limit: charge, refund never above a limit, repeat, debt', async () => {
    const decided = await check('plan-a', 'plan', 60);
    expect(decided).toMatchObject({ status: 200, body: { remaining: 40 } });
    expect(decided.body.decisionId).toMatch(/^s1\./);
    const charged = await settle(decided.body.decisionId, 90);
    expect(charged).toMatchObject({ status: 200, body: { estimatedCost: 60, actualCost: 90, limit: 100, remaining: 10 } });
    expect(charged.body.limits).toEqual([
      { name: 'hour', limit: 100, remaining: 10, resetSeconds: expect.any(Number), settled: true },
      { name: 'day', limit: 150, remaining: 60, resetSeconds: expect.any(Number), settled: true },
    ]);
    expect(await settle(decided.body.decisionId, 0)).toMatchObject({ status: 200, body: { actualCost: 90, remaining: 10, repeated: true } });
    expect(await stackRemaining('plan-a', 'plan')).toEqual([10, 60]);

    // A refund larger than what the hour still holds: the hour is back to its limit, not above it.
    const fresh = await check('plan-b', 'plan', 5);
    expect(await settle(fresh.body.decisionId, 0)).toMatchObject({ status: 200, body: { remaining: 100, limits: [{ remaining: 100 }, { remaining: 150 }] } });

    // Debt: 10 left in the hour, a settle of 60 more than estimated takes the hour to 0 and blocks.
    const more = await check('plan-a', 'plan', 1);
    expect(await settle(more.body.decisionId, 61)).toMatchObject({ status: 200, body: { remaining: 0, limits: [{ remaining: 0 }, { remaining: 0 }] } });
    expect((await check('plan-a', 'plan', 1, false)).status).toBe(429);
  });

  it('answers 404 for an unknown stacked decision and 410 once every limit is over, changing nothing', async () => {
    const decided = await check('short-plan-a', 'short-plan', 30);
    expect(decided.body.decisionId).toMatch(/^s1\./);
    const [prefix, expiry, , counters] = decided.body.decisionId.split('.');
    expect(await settle([prefix, expiry, 'A'.repeat(16), counters].join('.'), 0)).toMatchObject({ status: 404 });
    expect(await stackRemaining('short-plan-a', 'short-plan')).toEqual([70, 170]);
    // Both windows over (the two-second one last): a settle is too late.
    await waitFor('both windows to end', async () => (await stackRemaining('short-plan-a', 'short-plan')).join() === '100,200', 5_000);
    expect(await settle(decided.body.decisionId, 100)).toMatchObject({ status: 410, body: { error: 'decision_expired' } });
    expect(await stackRemaining('short-plan-a', 'short-plan')).toEqual([100, 200]);
  });

  it('charges a stack after the response on every limit, into debt', async () => {
    const service = app.get(CheckService);
    await check('plan-c', 'plan', 60, false);
    // 40 left in the hour, 90 in the day: a charge of 50 is never refused.
    expect(await service.charge({ key: 'plan-c', customerId: 'plan', cost: 50 })).toMatchObject({ statusCode: 200, body: { remaining: 0 } });
    expect(await stackRemaining('plan-c', 'plan')).toEqual([0, 40]);
    expect((await check('plan-c', 'plan', 1, false)).status).toBe(429);
  });

  it('records no decision of a stack with a sliding window, and charges it after the response like a check: every limit or none', async () => {
    const decided = await check('sliding-a', 'sliding-plan', 60);
    expect(decided).toMatchObject({ status: 200, body: { remaining: 40 } });
    expect(decided.body.decisionId).toMatch(/^n1\./);
    expect(await settle(decided.body.decisionId, 0)).toMatchObject({ status: 404 });

    const service = app.get(CheckService);
    expect(await service.charge({ key: 'sliding-a', customerId: 'sliding-plan', cost: 50 })).toMatchObject({ statusCode: 429 });
    expect(await service.charge({ key: 'sliding-a', customerId: 'sliding-plan', cost: 30 })).toMatchObject({ statusCode: 200, body: { remaining: 10 } });
  });
});
