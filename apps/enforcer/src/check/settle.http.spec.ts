import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Policy, PolicyDocument } from '@rl/contracts';
import { LocalStoreBackend, MemoryDecisionStore } from '@rl/decision-pipeline';
import { buildCounterKey, ManualClock } from '@rl/limiter-core';
import { StaticPolicySource } from '../policies/static-policy-source';
import { postJson } from '../testing/app-on-redis';
import { createTestApp } from '../testing/create-test-app';
import { CheckService } from './check.service';
import { DecisionIds } from './decision-id';

const policy = (overrides: Partial<Policy> & Pick<Policy, 'id' | 'match'>): Policy => ({
  algorithm: 'token_bucket',
  limit: 100,
  windowSeconds: 60,
  burst: 100,
  scope: 'regional',
  failureMode: 'open',
  mode: 'enforce',
  version: 1,
  ...overrides,
});

const document: PolicyDocument = {
  policies: [
    policy({ id: 'tokens', match: { customerTier: 'llm' } }),
    policy({ id: 'monthly', match: { customerTier: 'window' }, algorithm: 'fixed_window' }),
    policy({ id: 'sliding', match: { customerTier: 'sliding' }, algorithm: 'sliding_window' }),
    policy({
      id: 'plan',
      match: { customerTier: 'plan' },
      limit: 50,
      burst: 50,
      limits: [
        { name: 'minute', limit: 50, windowSeconds: 60, algorithm: 'token_bucket', burst: 50 },
        { name: 'hour', limit: 80, windowSeconds: 3_600, algorithm: 'token_bucket', burst: 80 },
      ],
    }),
  ],
  overrides: [],
  customers: { llm: { tier: 'llm' }, window: { tier: 'window' }, sliding: { tier: 'sliding' }, plan: { tier: 'plan' } },
};

const post = postJson;

describe('POST /v1/settle', () => {
  let app: NestFastifyApplication;
  const clock = new ManualClock();
  let users = 0;

  beforeAll(async () => {
    ({ app } = await createTestApp({ store: new LocalStoreBackend({ store: new MemoryDecisionStore({ clock }) }), policies: new StaticPolicySource(document) }));
  });

  afterAll(async () => {
    await app.close();
  });

  const check = (customerId: string, extra: Record<string, unknown> = {}) => post(app, '/v1/check', { key: `user-${users}`, customerId, ...extra });
  const settle = (decisionId: string, actualCost: number) => post(app, '/v1/settle', { decisionId, actualCost });

  beforeEach(() => {
    users += 1;
  });

  it('gives every check a decision id; one not asked to be settleable cannot be settled', async () => {
    const first = await check('llm', { cost: 5 });
    const second = await check('llm', { cost: 5 });
    expect(first.body.decisionId).toMatch(/^n1\./);
    expect(second.body.decisionId).not.toBe(first.body.decisionId);
    expect(await settle(first.body.decisionId, 1)).toMatchObject({ status: 404, body: { error: 'unknown_decision' } });
    expect((await check('llm', { cost: 0 + 1 })).body.remaining).toBe(89);
  });

  it('refunds a lower actual cost once; a repeat changes nothing', async () => {
    const decided = await check('llm', { cost: 40, settle: true });
    expect(decided).toMatchObject({ status: 200, body: { remaining: 60 } });
    expect(decided.body.decisionId).toMatch(/^s1\./);
    const settled = await settle(decided.body.decisionId, 10);
    expect(settled).toMatchObject({ status: 200, body: { decisionId: decided.body.decisionId, estimatedCost: 40, actualCost: 10, limit: 100, remaining: 90, region: 'us-east' } });
    expect(settled.body.repeated).toBeUndefined();
    expect(await settle(decided.body.decisionId, 99)).toMatchObject({ status: 200, body: { actualCost: 10, remaining: 90, repeated: true } });
    expect((await check('llm')).body.remaining).toBe(89);
  });

  it('never refunds above the limit', async () => {
    const decided = await check('llm', { cost: 30, settle: true });
    clock.advanceMicros(15_000_000);
    // 15 s drained 25 of the 30; a full refund leaves nothing used, not -25.
    expect(await settle(decided.body.decisionId, 0)).toMatchObject({ status: 200, body: { remaining: 100, resetSeconds: 0 } });
  });

  it('charges a higher actual cost into debt that later requests pay off', async () => {
    const decided = await check('llm', { cost: 10, settle: true });
    expect(await settle(decided.body.decisionId, 160)).toMatchObject({ status: 200, body: { remaining: 0, resetSeconds: 96 } });
    expect((await check('llm')).status).toBe(429);
    clock.advanceMicros(37_000_000);
    // 160 used less 61.67 drained: 98.3 used, room for 1.
    expect((await check('llm')).status).toBe(200);
  });

  it('settles a fixed window within its window; 410 after it, before and after the record is gone', async () => {
    clock.set(Math.ceil(clock.nowMicros() / 60_000_000) * 60_000_000 + 1_000_000);
    const decided = await check('window', { cost: 50, settle: true });
    expect(await settle(decided.body.decisionId, 20)).toMatchObject({ status: 200, body: { remaining: 80, resetSeconds: 59 } });
    const late = await check('window', { cost: 5, settle: true });
    clock.advanceMicros(59_000_000);
    expect(await settle(late.body.decisionId, 0)).toMatchObject({ status: 410, body: { error: 'decision_expired' } });
    clock.advanceMicros(120_000_000);
    expect(await settle(late.body.decisionId, 0)).toMatchObject({ status: 410 });
    expect((await check('window', { cost: 0 + 1 })).body.remaining).toBe(99);
  });

  it('records neither denials nor decisions of algorithms that cannot be settled', async () => {
    const sliding = await check('sliding', { settle: true });
    expect(sliding).toMatchObject({ status: 200 });
    expect(sliding.body.decisionId).toMatch(/^n1\./);
    const denied = await check('llm', { cost: 101, settle: true });
    expect(denied.status).toBe(429);
    expect(denied.body.decisionId).toMatch(/^n1\./);
    const dryRun = await check('llm', { cost: 1, settle: true, dryRun: true });
    expect(dryRun.body.decisionId).toMatch(/^n1\./);
  });

  it('answers 404 for a well-formed id that names no record', async () => {
    const counterKey = buildCounterKey({ policyId: 'tokens', identity: 'user-x', algorithm: 'token_bucket' });
    const forged = DecisionIds.recorded({ expiresAtUs: (Date.now() + 60_000) * 1000, nonce: DecisionIds.nonce(), counterKey });
    expect(await settle(forged, 0)).toMatchObject({ status: 404, body: { error: 'unknown_decision' } });
  });

  it('charges after the response (Envoy stream done): never refused for a settleable policy, decided like a check otherwise', async () => {
    const service = app.get(CheckService);
    const key = `charged-${users}`;
    const charged = await service.charge({ key, customerId: 'llm', cost: 250 });
    expect(charged).toMatchObject({ statusCode: 200, body: { allowed: true, remaining: 0, policy: { id: 'tokens' } } });
    expect((await check('llm', { key })).status).toBe(429);
    // sliding_window cannot be charged without deciding: the cost is decided as a check's, and refused when over.
    expect((await service.charge({ key, customerId: 'sliding', cost: 250 })).statusCode).toBe(429);
    expect((await service.charge({ key, customerId: 'sliding', cost: 30 })).body).toMatchObject({ allowed: true, remaining: 70 });
  });

  it('records a stacked decision in process too, and settles it on every limit', async () => {
    const decided = await check('plan', { cost: 10, settle: true });
    expect(decided).toMatchObject({ status: 200, body: { remaining: 40, policy: { id: 'plan' } } });
    expect(decided.body.decisionId).toMatch(/^s1\./);
    const settled = await settle(decided.body.decisionId, 15);
    expect(settled).toMatchObject({ status: 200, body: { estimatedCost: 10, actualCost: 15, limit: 50, remaining: 35 } });
    expect(settled.body.limits).toEqual([
      { name: 'minute', limit: 50, remaining: 35, resetSeconds: 18, settled: true },
      { name: 'hour', limit: 80, remaining: 65, resetSeconds: 675, settled: true },
    ]);
    expect((await check('plan', { dryRun: true })).body.remaining).toBe(34);
  });

  it('charges a stacked policy after the response on every limit, never refused', async () => {
    const service = app.get(CheckService);
    const key = `user-${users}`;
    await check('plan', { cost: 10 });
    // 40 left in the minute, 70 in the hour: 45 runs the minute into debt and takes 45 from the hour.
    expect(await service.charge({ key, customerId: 'plan', cost: 45 })).toMatchObject({ statusCode: 200, body: { allowed: true, remaining: 0 } });
    expect((await check('plan', { dryRun: true })).headers.ratelimit).toMatch(/^"plan-minute";r=0;t=\d+, "plan-hour";r=25;t=\d+$/);
  });

  it.each([
    [{ actualCost: 1 }, 'decisionId', 'decisionId is required'],
    [{ decisionId: 'n1.a.1' }, 'actualCost', 'actualCost is required'],
    [{ decisionId: 'xyz', actualCost: 1 }, 'decisionId', 'decisionId must be the decisionId of a check answer'],
    [{ decisionId: 'n1.a.1', actualCost: -1 }, 'actualCost', 'actualCost must be an integer from 0 to 1000000000'],
    [{ decisionId: 'n1.a.1', actualCost: '3' }, 'actualCost', 'actualCost must be an integer from 0 to 1000000000'],
    [{ decisionId: 'n1.a.1', actualCost: 1, extra: true }, 'extra', 'extra is not a known field'],
  ])('answers 400 naming the field for %j', async (payload, field, message) => {
    expect(await post(app, '/v1/settle', payload)).toMatchObject({ status: 400, body: { error: 'bad_request', field, message } });
  });

  it('rejects settle on a check when it is not a boolean', async () => {
    expect(await check('llm', { settle: 'yes' })).toMatchObject({ status: 400, body: { field: 'settle', message: 'settle must be a boolean' } });
  });
});
