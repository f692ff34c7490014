import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AllocationUpdate, Policy, PolicyDocument } from '@rl/contracts';
import { StoreUnavailableError } from '@rl/redis-store';
import type { Registry } from 'prom-client';
import { StaticPolicySource } from '../policies/static-policy-source';
import { LocalStoreBackend, MemoryDecisionStore, type DecisionFor, type DecisionStore, type StoreRequest } from '@rl/decision-pipeline';
import { createTestApp } from '../testing/create-test-app';
import { GlobalSyncService } from './global-sync.service';

const WINDOW_SECONDS = 3_600;

const policy = (overrides: Partial<Policy> & Pick<Policy, 'id' | 'match'>): Policy => ({
  algorithm: 'token_bucket',
  limit: 30,
  windowSeconds: WINDOW_SECONDS,
  burst: 30,
  scope: 'global',
  failureMode: 'open',
  mode: 'enforce',
  version: 1,
  ...overrides,
});

const document: PolicyDocument = {
  policies: [
    policy({ id: 'global-search', match: { customerTier: 'free' } }),
    policy({ id: 'global-shadow', match: { customerTier: 'trial' }, mode: 'shadow' }),
    policy({ id: 'global-closed', match: { customerTier: 'closed' }, failureMode: 'closed' }),
  ],
  overrides: [],
  customers: { acme: { tier: 'free' }, tryme: { tier: 'trial' }, fortknox: { tier: 'closed' } },
};

/** Env of every app here: three regions (static split: 30 / 3 = 10), and no NATS reachable. */
const ENV = { REGION: 'us-east', GLOBAL_REGIONS: 'us-east,eu-west,ap-south', NATS_URL: 'nats://127.0.0.1:1', GLOBAL_SYNC_INTERVAL_MS: '50' };

/** With NATS unreachable, a fresh instance waits 5 sync intervals (250 ms here) before the static split applies. */
const catchUp = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 300));

class CountingStore implements DecisionStore {
  readonly calls: StoreRequest[] = [];
  constructor(private readonly inner: DecisionStore) {}

  decide<R extends StoreRequest>(request: R): Promise<DecisionFor<R>> {
    this.calls.push(request);
    return this.inner.decide(request);
  }
}

const failing: DecisionStore = { decide: () => Promise.reject(new StoreUnavailableError('down', { cause: undefined })) };

async function check(app: NestFastifyApplication, payload: Record<string, unknown>) {
  const response = await app.inject({ method: 'POST', url: '/v1/check', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
  return { status: response.statusCode, headers: response.headers, body: response.json() };
}

const windowStart = (): number => Math.floor(Date.now() / (WINDOW_SECONDS * 1000)) * WINDOW_SECONDS * 1000;

function allocation(input: { epoch: number; identity: string; cap: number; region?: string }): string {
  const update: AllocationUpdate = {
    schema: 1,
    epoch: input.epoch,
    region: input.region ?? 'us-east',
    issuedAtMs: Date.now(),
    leaseSeconds: 5,
    windows: [{ policyId: 'global-search', windowStartMs: windowStart(), windowSeconds: WINDOW_SECONDS, limit: 30, keys: [[input.identity, input.cap]] }],
  };
  return JSON.stringify(update);
}

describe('POST /v1/check with a global policy', () => {
  let app: NestFastifyApplication;
  let registry: Registry;
  let store: CountingStore;
  let sync: GlobalSyncService;

  beforeEach(async () => {
    store = new CountingStore(new MemoryDecisionStore());
    ({ app, registry } = await createTestApp({ env: ENV, store: new LocalStoreBackend({ store }), policies: new StaticPolicySource(document) }));
    sync = app.get(GlobalSyncService);
    await catchUp();
  });

  afterEach(async () => {
    await app.close();
  });

  it('admits the static equal split before any allocation; the limit header is the global limit', async () => {
    const replies = [];
    for (let i = 0; i < 11; i++) replies.push(await check(app, { key: 'user:1', customerId: 'acme' }));
    expect(replies.map((r) => r.status)).toEqual([...Array(10).fill(200), 429]);
    expect(replies[0].body).toMatchObject({ allowed: true, limit: 30, remaining: 9, policy: { id: 'global-search' }, region: 'us-east' });
    expect(replies[0].headers['x-ratelimit-limit']).toBe('30');
    expect(replies[0].headers['ratelimit-policy']).toBe(`"global-search";q=30;w=${WINDOW_SECONDS}`);
    expect(replies[10].body).toMatchObject({ allowed: false, remaining: 0 });
    expect(Number(replies[10].headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(store.calls[0]).toMatchObject({ cap: 10, cost: 1, windowMs: WINDOW_SECONDS * 1000, expectedStartMs: windowStart(), key: 'rl:{global-search:user:1}:gw' });
  });

  it('applies a newer allocation and ignores a stale one', async () => {
    for (let i = 0; i < 10; i++) await check(app, { key: 'user:2', customerId: 'acme' });
    sync.receiveAllocation(allocation({ epoch: 5, identity: 'user:2', cap: 12 }));
    expect((await check(app, { key: 'user:2', customerId: 'acme' })).status).toBe(200);
    expect((await check(app, { key: 'user:2', customerId: 'acme', cost: 2 })).status).toBe(429);
    sync.receiveAllocation(allocation({ epoch: 5, identity: 'user:2', cap: 30 }));
    sync.receiveAllocation(allocation({ epoch: 4, identity: 'user:2', cap: 30 }));
    const afterStale = await check(app, { key: 'user:2', customerId: 'acme' });
    expect(afterStale.body).toMatchObject({ allowed: true, remaining: 0 });
    expect((await check(app, { key: 'user:2', customerId: 'acme' })).status).toBe(429);
    expect(sync.table.appliedEpoch).toBe(5);
    const metrics = await registry.getSingleMetricAsString('rl_global_allocation_keys_total');
    expect(metrics).toMatch(/result="stale"[^}]*\} 2(\n|$)/);
  });

  it('counts admitted and denied units per identity for the usage reports', async () => {
    await check(app, { key: 'user:3', customerId: 'acme', cost: 4 });
    await check(app, { key: 'user:3', customerId: 'acme', cost: 7 });
    await check(app, { key: 'a key with spaces', customerId: 'acme' });
    const [usage] = sync.tracker.all();
    expect(usage).toMatchObject({ policyId: 'global-search', windowStartMs: windowStart(), windowSeconds: WINDOW_SECONDS, limit: 30 });
    expect(usage.keys.get('user:3')).toEqual([4, 7]);
    expect([...usage.keys.keys()][1]).toMatch(/^#[A-Za-z0-9_-]{22}$/);
  });

  it('never crashes on a malformed or misaddressed allocation', async () => {
    sync.receiveAllocation('not json');
    sync.receiveAllocation(JSON.stringify({ schema: 1, epoch: -1 }));
    sync.receiveAllocation(allocation({ epoch: 9, identity: 'user:4', cap: 30, region: 'eu-west' }));
    expect(sync.table.size).toBe(0);
    const metrics = await registry.getSingleMetricAsString('rl_global_allocation_messages_total');
    expect(metrics).toMatch(/result="invalid"[^}]*\} 2(\n|$)/);
    expect(metrics).toMatch(/result="other_region"[^}]*\} 1(\n|$)/);
    expect((await check(app, { key: 'user:4', customerId: 'acme' })).status).toBe(200);
  });

  it('shadow mode counts against the allocation but never denies', async () => {
    const replies = [];
    for (let i = 0; i < 11; i++) replies.push(await check(app, { key: 'user:5', customerId: 'tryme' }));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    expect(replies[10].body).toMatchObject({ allowed: true, shadow: true, wouldDeny: true, remaining: 0 });
    expect(sync.tracker.all().find((w) => w.policyId === 'global-shadow')?.keys.get('user:5')).toEqual([10, 1]);
  });
});

describe('a fresh instance before it has read the allocation stream', () => {
  it('admits nothing for keys it holds no allocation for, then the static split once waiting times out', async () => {
    // Waiting times out after 5 sync intervals: 2 s here, so a loaded machine still checks in time.
    const { app } = await createTestApp({ env: { ...ENV, GLOBAL_SYNC_INTERVAL_MS: '400' }, policies: new StaticPolicySource(document) });
    try {
      const sync = app.get(GlobalSyncService);
      const early = await check(app, { key: 'user:8', customerId: 'acme' });
      expect(early.status).toBe(429);
      expect(early.body.retryAfterSeconds).toBeLessThanOrEqual(2);
      sync.receiveAllocation(allocation({ epoch: 1, identity: 'user:9', cap: 2 }));
      expect((await check(app, { key: 'user:9', customerId: 'acme' })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 5 * 400 + 100));
      expect((await check(app, { key: 'user:8', customerId: 'acme' })).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('a global policy while the store is down', () => {
  let app: NestFastifyApplication;

  beforeEach(async () => {
    ({ app } = await createTestApp({ env: { ...ENV, DEGRADED_LIMIT_PERCENT: '50' }, store: new LocalStoreBackend({ store: failing }), policies: new StaticPolicySource(document) }));
    await catchUp();
  });

  afterEach(async () => {
    await app.close();
  });

  it('failureMode open admits from a local bucket of DEGRADED_LIMIT_PERCENT of the cap, marked degraded', async () => {
    const replies = [];
    for (let i = 0; i < 6; i++) replies.push(await check(app, { key: 'user:6', customerId: 'acme' }));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(replies[0].body).toMatchObject({ degraded: true });
  });

  it('failureMode closed answers 503 with Retry-After', async () => {
    const reply = await check(app, { key: 'user:7', customerId: 'fortknox' });
    expect(reply.status).toBe(503);
    expect(reply.body).toMatchObject({ allowed: false, degraded: true });
    expect(reply.headers['retry-after']).toBe('1');
  });
});
