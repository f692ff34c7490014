import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Block, Policy, PolicyDocument } from '@rl/contracts';
import { counterIdentity, expandIpIdentity, systemClock } from '@rl/limiter-core';
import { StoreUnavailableError } from '@rl/redis-store';
import type { Registry } from 'prom-client';
import { StaticPolicySource } from '../policies/static-policy-source';
import { LocalStoreBackend, MemoryDecisionStore, type DecisionFor, type DecisionStore, type StoreRequest } from '@rl/decision-pipeline';
import { createTestApp } from '../testing/create-test-app';

/** A LocalLimiter that records every call, and can be switched to fail like a Redis that is down. */
class SwitchableStore implements DecisionStore {
  readonly calls: StoreRequest[] = [];
  down = false;
  private readonly inner = new MemoryDecisionStore({ clock: systemClock });

  decide<R extends StoreRequest>(request: R): Promise<DecisionFor<R>> {
    this.calls.push(request);
    if (this.down) return Promise.reject(new StoreUnavailableError('redis is down', { cause: new Error('ECONNREFUSED') }));
    return this.inner.decide(request);
  }
}

/** A static document plus blocks, which StaticPolicySource's documents cannot carry. */
class BlockingSource extends StaticPolicySource {
  constructor(
    document: PolicyDocument,
    private readonly blocks: Block[],
  ) {
    super(document);
  }

  override current() {
    return { ...super.current(), blocks: this.blocks };
  }
}

const policy = (overrides: Partial<Policy> & Pick<Policy, 'id' | 'match'>): Policy => ({
  algorithm: 'fixed_window',
  limit: 2,
  windowSeconds: 60,
  burst: 2,
  scope: 'regional',
  failureMode: 'open',
  mode: 'enforce',
  version: 1,
  ...overrides,
});

const document: PolicyDocument = {
  policies: [
    policy({ id: 'search', match: { route: '/v1/search', method: 'GET' }, limit: 1, burst: 1 }),
    policy({ id: 'gold', match: { customerTier: 'gold' }, limit: 5, burst: 5, version: 4 }),
    policy({ id: 'vault', match: { customerTier: 'vault' }, failureMode: 'closed' }),
  ],
  overrides: [],
  customers: { acme: { tier: 'gold' }, fortknox: { tier: 'vault' } },
};

const blockedIp: Block = {
  id: '00000000-0000-4000-8000-000000000002',
  type: 'ip',
  value: '192.0.2.66',
  expiresAt: new Date(Date.now() + 60_000).toISOString(),
  reason: 'abuse',
  source: 'operator',
};

describe('GET /v1/auth (nginx auth_request)', () => {
  let app: NestFastifyApplication;
  let registry: Registry;
  const store = new SwitchableStore();

  beforeAll(async () => {
    ({ app, registry } = await createTestApp({
      store: new LocalStoreBackend({ store }),
      policies: new BlockingSource(document, [blockedIp]),
      env: { DEFAULT_POLICY_LIMIT: '3', DEFAULT_POLICY_WINDOW_SECONDS: '60', DEFAULT_POLICY_FAILURE_MODE: 'open' },
    }));
  });

  afterAll(async () => {
    await app?.close();
  });

  beforeEach(() => {
    store.down = false;
    store.calls.length = 0;
  });

  const auth = async (headers: Record<string, string>) => {
    const response = await app.inject({ method: 'GET', url: '/v1/auth', headers });
    return { status: response.statusCode, headers: response.headers, text: response.body };
  };

  it('answers 204 with the rate-limit headers until the default policy denies with 429 and Retry-After', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof auth>> | undefined;
    let first: Awaited<ReturnType<typeof auth>> | undefined;
    for (let i = 0; i < 4; i++) {
      last = await auth({ 'x-ratelimit-key': 'nginx:default' });
      first ??= last;
      statuses.push(last.status);
    }
    expect(statuses).toEqual([204, 204, 204, 429]);
    expect(first?.text).toBe('');
    expect(first?.headers['x-ratelimit-limit']).toBe('3');
    expect(first?.headers['x-ratelimit-remaining']).toBe('2');
    expect(first?.headers['ratelimit-policy']).toBe('"default";q=3;w=60');
    expect(first?.headers['retry-after']).toBeUndefined();
    expect(Number(last?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(last?.headers['x-ratelimit-remaining']).toBe('0');
    const body = JSON.parse(last?.text ?? '{}');
    expect(body).toMatchObject({ allowed: false, limit: 3, remaining: 0, policy: { id: 'default' } });
  });

  it('counts the same identity as POST /v1/check does', async () => {
    await auth({ 'x-ratelimit-key': 'shared:1', 'x-customer-id': 'acme' });
    const check = await app.inject({ method: 'POST', url: '/v1/check', headers: { 'content-type': 'application/json' }, payload: { key: 'shared:1', customerId: 'acme' } });
    expect(check.json()).toMatchObject({ remaining: 3, limit: 5, policy: { id: 'gold', version: 4 } });
    expect(store.calls[0].key).toBe(store.calls[1].key);
  });

  it('selects route policies from X-Original-URI (query string ignored) and X-Original-Method', async () => {
    const headers = { 'x-ratelimit-key': 'route:1', 'x-original-uri': '/v1/search?q=a', 'x-original-method': 'GET' };
    expect((await auth(headers)).status).toBe(204);
    const denied = await auth({ ...headers, 'x-original-uri': '/v1/search?q=b' });
    expect(denied.status).toBe(429);
    expect(denied.headers['ratelimit-policy']).toBe('"search";q=1;w=60');
    expect((await auth({ ...headers, 'x-original-method': 'POST' })).status).toBe(204);
  });

  it('keys by client address when no key header is sent', async () => {
    const headers = { 'x-real-ip': '198.51.100.9' };
    for (let i = 0; i < 3; i++) expect((await auth(headers)).status).toBe(204);
    expect((await auth(headers)).status).toBe(429);
    expect((await auth({ 'x-real-ip': '198.51.100.10' })).status).toBe(204);
    expect(store.calls[0].key).toContain(counterIdentity('ip:198.51.100.9'));
    expect(expandIpIdentity(counterIdentity('ip:198.51.100.9'))).toBe('ip:198.51.100.9');
  });

  it('takes the cost from X-RateLimit-Cost', async () => {
    expect((await auth({ 'x-ratelimit-key': 'cost:1', 'x-ratelimit-cost': '3' })).status).toBe(204);
    expect((await auth({ 'x-ratelimit-key': 'cost:1' })).status).toBe(429);
  });

  it('answers a blocked address with 429 without asking the store', async () => {
    const reply = await auth({ 'x-ratelimit-key': 'user:innocent-looking', 'x-real-ip': '192.0.2.66' });
    expect(reply.status).toBe(429);
    expect(JSON.parse(reply.text)).toMatchObject({ blocked: true });
    expect(Number(reply.headers['retry-after'])).toBeGreaterThan(1);
    expect(store.calls).toHaveLength(0);
  });

  it('answers 503 with Retry-After for a fail-closed policy while the store is down, and admits a fail-open one', async () => {
    store.down = true;
    const closed = await auth({ 'x-ratelimit-key': 'down:1', 'x-customer-id': 'fortknox' });
    expect(closed.status).toBe(503);
    expect(closed.headers['retry-after']).toBe('1');
    expect(JSON.parse(closed.text)).toMatchObject({ allowed: false, degraded: true });
    expect((await auth({ 'x-ratelimit-key': 'down:2' })).status).toBe(204);
  });

  it('rejects bad headers with 400 naming the header, before any counting', async () => {
    const noIdentity = await auth({ 'x-customer-id': 'acme' });
    expect(noIdentity.status).toBe(400);
    expect(JSON.parse(noIdentity.text)).toEqual({ error: 'bad_request', field: 'x-ratelimit-key', message: 'x-ratelimit-key or x-real-ip is required' });
    const badCost = await auth({ 'x-ratelimit-key': 'k', 'x-ratelimit-cost': 'lots' });
    expect(badCost.status).toBe(400);
    expect(JSON.parse(badCost.text)).toMatchObject({ field: 'x-ratelimit-cost' });
    expect(store.calls).toHaveLength(0);
  });

  it('does not answer HEAD or POST, so nothing counts by accident', async () => {
    expect((await app.inject({ method: 'HEAD', url: '/v1/auth', headers: { 'x-ratelimit-key': 'k' } })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/v1/auth', headers: { 'x-ratelimit-key': 'k' } })).statusCode).toBe(404);
    expect(store.calls).toHaveLength(0);
  });

  it('records its decisions in the decision metrics', async () => {
    await auth({ 'x-ratelimit-key': 'metrics:1' });
    expect(await registry.getSingleMetricAsString('rl_decisions_total')).toMatch(/policy="default",region="us-east",result="allowed"/);
  });
});
