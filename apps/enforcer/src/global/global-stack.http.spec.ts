import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AllocationUpdate, CounterStateView, Policy, PolicyDocument } from '@rl/contracts';
import { LocalStoreBackend, MemoryDecisionStore, type DecisionStore } from '@rl/decision-pipeline';
import { calendarBounds } from '@rl/limiter-core';
import { StoreUnavailableError } from '@rl/redis-store';
import { StaticPolicySource } from '../policies/static-policy-source';
import { postJson } from '../testing/app-on-redis';
import { createTestApp } from '../testing/create-test-app';
import { globalSigningEnv, signedAllocation } from '../testing/signing-keys';
import { GlobalSyncService } from './global-sync.service';

/**
 * A stacked plan with global limits through the enforcer's HTTP API (in-memory store): 100 per
 * second in each region, 30 per hour and 300 per calendar month (Berlin) shared by the three
 * regions, so the static split is 10 and 100 per region until allocations arrive.
 */

const HOUR_MS = 3_600_000;

const plan = (overrides: Partial<Policy>): Policy => ({
  id: 'plan',
  match: { customerTier: 'free' },
  algorithm: 'token_bucket',
  limit: 100,
  windowSeconds: 1,
  burst: 100,
  scope: 'regional',
  failureMode: 'open',
  mode: 'enforce',
  version: 1,
  limits: [
    { name: 'burst', limit: 100, windowSeconds: 1, algorithm: 'token_bucket', burst: 100 },
    { name: 'hour', limit: 30, windowSeconds: 3_600, algorithm: 'token_bucket', burst: 30, scope: 'global' },
    { name: 'month', limit: 300, window: 'calendar-month', timeZone: 'Europe/Berlin', algorithm: 'fixed_window', burst: 300, scope: 'global' },
  ],
  ...overrides,
});

const document: PolicyDocument = {
  policies: [plan({}), plan({ id: 'plan-shadow', match: { customerTier: 'trial' }, mode: 'shadow' })],
  overrides: [],
  customers: { acme: { tier: 'free' }, tryme: { tier: 'trial' } },
};

const INTERNAL_TOKEN = 'internal-token-0123456789';

const ENV = { REGION: 'us-east', GLOBAL_REGIONS: 'us-east,eu-west,ap-south', NATS_URL: 'nats://127.0.0.1:1', GLOBAL_SYNC_INTERVAL_MS: '50', INTERNAL_API_TOKEN: INTERNAL_TOKEN, ...globalSigningEnv('us-east') };

const hourStart = (): number => Math.floor(Date.now() / HOUR_MS) * HOUR_MS;

/** With NATS unreachable a fresh instance waits 5 sync intervals for the allocation stream; then the static split applies. */
async function caughtUp(sync: GlobalSyncService): Promise<void> {
  while (sync.catchUpRemainingMs() > 0) await new Promise((resolve) => setTimeout(resolve, 20));
}

async function appWith(store: DecisionStore, env: Record<string, string> = {}): Promise<{ app: NestFastifyApplication; sync: GlobalSyncService }> {
  const { app } = await createTestApp({ env: { ...ENV, ...env }, store: new LocalStoreBackend({ store }), policies: new StaticPolicySource(document) });
  const sync = app.get(GlobalSyncService);
  await caughtUp(sync);
  return { app, sync };
}

const check = (app: NestFastifyApplication, payload: Record<string, unknown>) => postJson(app, '/v1/check', payload);

describe('POST /v1/check with a stacked policy whose limits are partly global', () => {
  let app: NestFastifyApplication;
  let sync: GlobalSyncService;

  beforeEach(async () => {
    // The hour limit counts per aligned hour: keep each case inside one.
    if (HOUR_MS - (Date.now() % HOUR_MS) < 10_000) await new Promise((resolve) => setTimeout(resolve, HOUR_MS - (Date.now() % HOUR_MS) + 50));
    ({ app, sync } = await appWith(new MemoryDecisionStore()));
  });

  afterEach(async () => {
    await app.close();
  });

  it('admits the static split of the tightest global limit, then the denial names it; headers list every limit', async () => {
    const replies = [];
    for (let i = 0; i < 11; i++) replies.push(await check(app, { key: 'user:1', customerId: 'acme' }));
    expect(replies.map((r) => r.status)).toEqual([...Array(10).fill(200), 429]);
    expect(replies[10].body).toMatchObject({ allowed: false, 'violated-policies': ['plan-hour'] });
    expect(replies[0].headers['ratelimit-policy']).toBe('"plan-burst";q=100;w=1, "plan-hour";q=30;w=3600, "plan-month";q=300;w=2592000');
  });

  it('counts each global limit into its own usage window: the hour per aligned hour, the month in its Berlin bounds; a limit that would have admitted a denied request counts nothing', async () => {
    for (let i = 0; i < 11; i++) await check(app, { key: 'user:1', customerId: 'acme' });
    await check(app, { key: 'user:1', customerId: 'acme', dryRun: true });
    const month = calendarBounds({ window: 'calendar-month', timeZone: 'Europe/Berlin', nowUs: Date.now() * 1000 });
    const windows = sync.tracker.all().map((w) => ({ report: w.toReport(), counts: w.keys.get('user:1') }));
    expect(windows).toEqual([
      { report: expect.objectContaining({ policyId: 'plan', limitName: 'hour', windowStartMs: hourStart(), windowSeconds: 3_600, limit: 30 }), counts: [10, 1] },
      {
        report: expect.objectContaining({ policyId: 'plan', limitName: 'month', window: 'calendar-month', timeZone: 'Europe/Berlin', windowStartMs: month.startUs / 1000, windowSeconds: (month.endUs - month.startUs) / 1_000_000, limit: 300 }),
        counts: [10, 0],
      },
    ]);
  });

  it('applies an allocation to the limit it names, and to no other', async () => {
    const update: AllocationUpdate = {
      schema: 1,
      epoch: 3,
      region: 'us-east',
      issuedAtMs: Date.now(),
      leaseSeconds: 5,
      windows: [{ policyId: 'plan', limitName: 'hour', windowStartMs: hourStart(), windowSeconds: 3_600, limit: 30, keys: [['user:2', 12]] }],
    };
    sync.receiveAllocation(signedAllocation(JSON.stringify(update)));
    const statuses = [];
    for (let i = 0; i < 13; i++) statuses.push((await check(app, { key: 'user:2', customerId: 'acme' })).status);
    expect(statuses).toEqual([...Array(12).fill(200), 429]);
    // The policy's own name alone is not this limit's: an allocation without limitName changes nothing here.
    sync.receiveAllocation(signedAllocation(JSON.stringify({ ...update, epoch: 4, windows: [{ ...update.windows[0], limitName: undefined, keys: [['user:2', 30]] }] })));
    expect((await check(app, { key: 'user:2', customerId: 'acme' })).status).toBe(429);
  });

  it('shadow mode counts against the global limits but never denies', async () => {
    const statuses = [];
    for (let i = 0; i < 12; i++) statuses.push((await check(app, { key: 'user:3', customerId: 'tryme' })).status);
    expect(statuses).toEqual(Array(12).fill(200));
    const hour = sync.tracker.all().find((w) => w.policyId === 'plan-shadow' && w.name?.limitName === 'hour');
    expect(hour?.keys.get('user:3')).toEqual([10, 2]);
  });

  it("shows each global limit in the caller inspector against this region's cap, the count it enforces", async () => {
    for (let i = 0; i < 4; i++) await check(app, { key: 'user:4', customerId: 'acme' });
    const response = await app.inject({ method: 'GET', url: '/internal/v1/counters?policyId=plan&key=user:4', headers: { authorization: `Bearer ${INTERNAL_TOKEN}` } });
    expect(response.statusCode).toBe(200);
    const view = response.json<CounterStateView>();
    // The hour's static split (30 / 3 regions) is the tightest: it heads the view.
    expect(view).toMatchObject({ policy: { id: 'plan' }, limit: 10, used: 4, remaining: 6 });
    // The burst bucket (100 per second) refills meanwhile; the global windows do not.
    expect(view.limits).toMatchObject([
      { name: 'plan-burst', limit: 100 },
      { name: 'plan-hour', limit: 10, used: 4, remaining: 6 },
      { name: 'plan-month', limit: 100, used: 4, remaining: 96 },
    ]);
  });
});

describe('a stacked policy with global limits while the store is down', () => {
  const failing: DecisionStore = { decide: () => Promise.reject(new StoreUnavailableError('down', { cause: undefined })) };

  it('failureMode open admits from a local bucket of DEGRADED_LIMIT_PERCENT of each global limit\'s cap, marked degraded', async () => {
    const { app } = await appWith(failing, { DEGRADED_LIMIT_PERCENT: '50' });
    try {
      const replies = [];
      for (let i = 0; i < 6; i++) replies.push(await check(app, { key: 'user:6', customerId: 'acme' }));
      // 50 % of the hour's cap of 10.
      expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429]);
      expect(replies[0].body).toMatchObject({ degraded: true });
    } finally {
      await app.close();
    }
  });
});
