import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { CheckResponse, CounterStateView, Policy } from '@rl/contracts';
import { startRedisServer, waitFor, type RedisServerHandle } from '@rl/testing';
import { Listeners, PolicySource, SnapshotListeners, type CounterReset, type CounterResetListener, type ActivePolicies, type SnapshotListener } from '../policies/policy-source';
import { createTestApp } from '../testing/create-test-app';

/** A static set of policies whose source also delivers counter resets, as the control plane does. */
class ResettingSource extends PolicySource {
  private readonly resets = new Listeners<CounterReset>();
  private readonly listeners = new SnapshotListeners();
  private revision = 1;

  constructor(private readonly snapshot: ActivePolicies) {
    super();
  }

  reset(policyId: string, key: string): void {
    this.resets.publish({ policyId, key, revision: ++this.revision });
  }

  current(): ActivePolicies {
    return this.snapshot;
  }

  subscribe(listener: SnapshotListener): () => void {
    return this.listeners.add(listener);
  }

  override subscribeResets(listener: CounterResetListener): () => void {
    return this.resets.add(listener);
  }

  notReadyReason(): undefined {
    return undefined;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const policy = (id: string, overrides: Partial<Policy>): Policy => ({
  id,
  match: { customerTier: 'gold' },
  algorithm: 'fixed_window',
  limit: 3,
  windowSeconds: 3_600,
  burst: 3,
  scope: 'regional',
  failureMode: 'open',
  mode: 'enforce',
  version: 4,
  ...overrides,
});

const TOKEN = 'internal-token-0123456789';

describe('counters: inspection and resets against a real redis-server', () => {
  let redis: RedisServerHandle;
  let app: NestFastifyApplication;
  const source = new ResettingSource({
    revision: '1',
    policies: [
      policy('gold', {}),
      policy('gold-bucket', { match: { customerTier: 'gold', route: '/bucket' }, algorithm: 'token_bucket' }),
      policy('gold-streams', { match: { customerTier: 'gold', route: '/stream' }, algorithm: 'concurrency', limit: 2, burst: 2, windowSeconds: 60, leaseSeconds: 60 }),
      policy('gold-plan', {
        match: { customerTier: 'gold', route: '/plan' },
        limits: [
          { name: 'minute', limit: 5, windowSeconds: 60, algorithm: 'fixed_window', burst: 5 },
          { name: 'day', limit: 20, window: 'calendar-day', timeZone: 'Europe/Berlin', algorithm: 'fixed_window', burst: 20 },
        ],
      }),
    ],
    overrides: [],
    customerTiers: new Map([['acme', 'gold']]),
  });

  beforeAll(async () => {
    redis = await startRedisServer();
    ({ app } = await createTestApp({ store: 'from-config', policies: source, env: { REDIS_URL: redis.url, INTERNAL_API_TOKEN: TOKEN, INSTANCE_ID: 'us-east-1' } }));
    await waitFor('enforcer ready', async () => (await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, 10_000);
  });

  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  const check = async (key: string, extra: Record<string, unknown> = {}) =>
    (await app.inject({ method: 'POST', url: '/v1/check', payload: { key, customerId: 'acme', ...extra } })).json<CheckResponse>();
  const inspect = (query: string, token = TOKEN) => app.inject({ method: 'GET', url: `/internal/v1/counters?${query}`, headers: { authorization: `Bearer ${token}` } });

  it('reads a counter without consuming it, with this instance as the source of the lease and deny-cache fields', async () => {
    await check('reader');
    await check('reader');
    for (let i = 0; i < 3; i++) {
      const response = await inspect('policyId=gold&key=reader');
      expect(response.statusCode).toBe(200);
      expect(response.json<CounterStateView>()).toMatchObject({
        region: 'us-east',
        instance: 'us-east-1',
        policy: { id: 'gold', version: 4 },
        key: 'reader',
        algorithm: 'fixed_window',
        scope: 'regional',
        limit: 3,
        used: 2,
        remaining: 1,
        leasedUnits: 0,
        denyCached: false,
      });
    }
    expect((await check('reader')).remaining).toBe(0);
  });

  it("names a customer's own counter with customerId alone", async () => {
    await check('acme');
    expect((await inspect('customerId=acme')).json<CounterStateView>()).toMatchObject({ key: 'acme', policy: { id: 'gold' }, used: 1 });
  });

  it('resets a counter on a counter.reset change: the store forgets it, and so does the deny cache', async () => {
    for (let i = 0; i < 4; i++) await check('spender');
    expect((await check('spender')).allowed).toBe(false);
    expect((await inspect('policyId=gold&key=spender')).json<CounterStateView>()).toMatchObject({ used: 3, denyCached: true });
    source.reset('gold', 'spender');
    await waitFor('counter reset', async () => (await inspect('policyId=gold&key=spender')).json<CounterStateView>().used === 0, 2_000, 10);
    expect((await inspect('policyId=gold&key=spender')).json<CounterStateView>().denyCached).toBe(false);
    expect(await check('spender')).toMatchObject({ allowed: true, remaining: 2 });
  });

  it("shows a concurrency policy's leases held, their expiry and the limit; a reset frees them", async () => {
    const acquire = async () => (await app.inject({ method: 'POST', url: '/v1/acquire', payload: { key: 'streamer', customerId: 'acme', route: '/stream' } })).statusCode;
    expect([await acquire(), await acquire(), await acquire()]).toEqual([200, 200, 429]);
    const view = (await inspect('policyId=gold-streams&key=streamer')).json<CounterStateView>();
    expect(view).toMatchObject({ policy: { id: 'gold-streams', version: 4 }, key: 'streamer', algorithm: 'concurrency', limit: 2, used: 2, remaining: 0, leases: { inFlight: 2 } });
    for (const seconds of [view.resetSeconds, view.leases?.nextExpirySeconds ?? 0]) {
      expect(seconds).toBeGreaterThan(50);
      expect(seconds).toBeLessThanOrEqual(60);
    }
    // Reading took no lease and trimmed nothing.
    expect((await inspect('policyId=gold-streams&key=streamer')).json<CounterStateView>().leases).toMatchObject({ inFlight: 2 });
    source.reset('gold-streams', 'streamer');
    await waitFor('leases reset', async () => (await inspect('policyId=gold-streams&key=streamer')).json<CounterStateView>().leases?.inFlight === 0, 2_000, 10);
    expect((await inspect('policyId=gold-streams&key=streamer')).json<CounterStateView>()).toMatchObject({ used: 0, remaining: 2, resetSeconds: 0, leases: { inFlight: 0, nextExpirySeconds: 0 } });
    expect(await acquire()).toBe(200);
  });

  it('shows every limit of a stacked policy, the most constraining one at the top', async () => {
    for (let i = 0; i < 3; i++) expect((await check('planner', { route: '/plan' })).allowed).toBe(true);
    const view = (await inspect('policyId=gold-plan&key=planner')).json<CounterStateView>();
    expect(view).toMatchObject({ policy: { id: 'gold-plan' }, limit: 5, used: 3, remaining: 2 });
    expect(view.limits).toEqual([
      { name: 'gold-plan-minute', limit: 5, used: 3, remaining: 2, resetSeconds: expect.any(Number) },
      { name: 'gold-plan-day', limit: 20, used: 3, remaining: 17, resetSeconds: expect.any(Number) },
    ]);
    source.reset('gold-plan', 'planner');
    await waitFor('stack reset', async () => (await inspect('policyId=gold-plan&key=planner')).json<CounterStateView>().limits?.every((limit) => limit.used === 0) === true, 2_000, 10);
  });

  it('refuses callers without the token, and malformed or unknown counters, with the field', async () => {
    expect((await inspect('policyId=gold&key=x', 'wrong-token-0123456789')).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/internal/v1/counters?policyId=gold&key=x' })).statusCode).toBe(401);
    const missing = await inspect('key=x');
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ field: 'policyId' });
    expect((await inspect('policyId=Not_A_Slug&key=x')).json()).toMatchObject({ field: 'policyId' });
    expect((await inspect('')).json()).toMatchObject({ field: 'key' });
    const unknown = await inspect('policyId=nope&key=x');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ field: 'policyId' });
  });
});

describe('counters: without INTERNAL_API_TOKEN', () => {
  it('has no internal routes', async () => {
    const { app } = await createTestApp();
    try {
      expect((await app.inject({ method: 'GET', url: '/internal/v1/counters?policyId=default&key=x', headers: { authorization: 'Bearer anything-at-all-000' } })).statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });
});

describe('counters: a reset drops a hot-key lease at once (real redis-server)', () => {
  let redis: RedisServerHandle;
  let app: NestFastifyApplication;
  const LIMIT = 1_000;
  const source = new ResettingSource({
    revision: '1',
    policies: [policy('busy', { limit: LIMIT, burst: LIMIT })],
    overrides: [],
    customerTiers: new Map([['acme', 'gold']]),
  });

  beforeAll(async () => {
    redis = await startRedisServer();
    // Leases from 20 req/s per key, held up to 5 s idle: only a reset can end one within the test.
    ({ app } = await createTestApp({
      store: 'from-config',
      policies: source,
      env: { REDIS_URL: redis.url, INTERNAL_API_TOKEN: TOKEN, INSTANCE_ID: 'us-east-1', HOTKEY_THRESHOLD_PER_SECOND: '20', HOTKEY_LEASE_MS: '5000' },
    }));
    await waitFor('enforcer ready', async () => (await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, 10_000);
  });

  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  const inspect = async (): Promise<CounterStateView> =>
    (await app.inject({ method: 'GET', url: '/internal/v1/counters?policyId=busy&key=hot', headers: { authorization: `Bearer ${TOKEN}` } })).json<CounterStateView>();

  it('leases a hot key; a reset ends the lease and the fresh counter reads zero, long before the lease would go idle', async () => {
    let leased = 0;
    for (let round = 0; round < 20 && leased === 0; round++) {
      for (let i = 0; i < 50; i++) await app.inject({ method: 'POST', url: '/v1/check', payload: { key: 'hot', customerId: 'acme' } });
      leased = (await inspect()).leasedUnits;
    }
    expect(leased).toBeGreaterThan(0);
    expect((await inspect()).used).toBeGreaterThan(0);

    source.reset('busy', 'hot');
    // While the lease is held, a peek is answered from it: only a dropped lease reads the fresh counter.
    await waitFor('counter reset', async () => (await inspect()).used === 0, 2_000, 10);
    expect(await inspect()).toMatchObject({ leasedUnits: 0, used: 0, remaining: LIMIT, denyCached: false });
  });
});
