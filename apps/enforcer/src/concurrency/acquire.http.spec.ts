import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Policy, PolicyDocument } from '@rl/contracts';
import { LocalStoreBackend, MemoryDecisionStore, type ConcurrencyPort } from '@rl/decision-pipeline';
import { ManualClock } from '@rl/limiter-core';
import { StoreUnavailableError } from '@rl/redis-store';
import { StaticPolicySource } from '../policies/static-policy-source';
import { postJson } from '../testing/app-on-redis';
import { createTestApp } from '../testing/create-test-app';

const policy = (overrides: Partial<Policy> & Pick<Policy, 'id' | 'match'>): Policy => ({
  algorithm: 'concurrency',
  limit: 2,
  windowSeconds: 30,
  leaseSeconds: 30,
  burst: 2,
  scope: 'regional',
  failureMode: 'open',
  mode: 'enforce',
  version: 3,
  ...overrides,
});

const document: PolicyDocument = {
  policies: [
    policy({ id: 'in-flight', match: { customerTier: 'llm' } }),
    // A rate policy with the same match: checks use it, acquires never do.
    { ...policy({ id: 'llm-rate', match: { customerTier: 'llm' } }), algorithm: 'token_bucket', limit: 100, burst: 100, windowSeconds: 60, leaseSeconds: undefined },
  ],
  overrides: [],
  customers: { acme: { tier: 'llm' } },
};

const post = postJson;

describe('POST /v1/acquire and /v1/release', () => {
  let app: NestFastifyApplication;
  const clock = new ManualClock();
  let users = 0;

  beforeAll(async () => {
    ({ app } = await createTestApp({ store: new LocalStoreBackend({ store: new MemoryDecisionStore({ clock }) }), policies: new StaticPolicySource(document) }));
  });

  afterAll(async () => {
    await app.close();
  });

  beforeEach(() => {
    users += 1;
  });

  const acquire = (extra: Record<string, unknown> = {}) => post(app, '/v1/acquire', { key: `user-${users}`, customerId: 'acme', ...extra });
  const release = (leaseId: string) => post(app, '/v1/release', { leaseId });

  it('admits up to the limit in flight with concurrent-requests headers, then 429 until a release', async () => {
    const first = await acquire();
    expect(first).toMatchObject({ status: 200, body: { allowed: true, limit: 2, remaining: 1, policy: { id: 'in-flight', version: 3 }, region: 'us-east' } });
    expect(first.body.leaseId).toMatch(/^l1\./);
    expect(first.headers).toMatchObject({
      'x-ratelimit-limit': '2',
      'x-ratelimit-remaining': '1',
      'x-ratelimit-reset': '30',
      'ratelimit-policy': '"in-flight";q=2;qu="concurrent-requests"',
      ratelimit: '"in-flight";r=1;t=30',
    });
    expect((await acquire()).status).toBe(200);
    const denied = await acquire();
    expect(denied).toMatchObject({ status: 429, body: { allowed: false, remaining: 0, retryAfterSeconds: 30, 'violated-policies': ['in-flight'], violated: ['in-flight'] }, headers: { 'retry-after': '30' } });
    expect(denied.body.leaseId).toBeUndefined();

    expect((await release(first.body.leaseId)).status).toBe(204);
    expect((await release(first.body.leaseId)).status).toBe(404);
    expect((await acquire()).status).toBe(200);
  });

  it('frees the slot of a caller that never releases once its lease expires', async () => {
    const crashed = await acquire();
    await acquire();
    expect((await acquire()).status).toBe(429);
    clock.advanceSeconds(30);
    expect((await acquire()).status).toBe(200);
    expect(await release(crashed.body.leaseId)).toMatchObject({ status: 404, body: { error: 'unknown_lease' } });
  });

  it('leaves checks to the rate policy', async () => {
    expect((await post(app, '/v1/check', { key: `user-${users}`, customerId: 'acme' })).body).toMatchObject({ policy: { id: 'llm-rate' }, limit: 100 });
  });

  it('admits without a lease when no concurrency policy matches; releasing that changes nothing', async () => {
    const free = await acquire({ customerId: 'nobody' });
    expect(free).toMatchObject({ status: 200, body: { allowed: true, policy: { id: 'none', version: 0 } } });
    expect(free.body.leaseId).toMatch(/^u1\./);
    expect((await release(free.body.leaseId)).status).toBe(204);
  });

  it.each([
    ['/v1/acquire', { customerId: 'acme' }, 'key', 'key is required'],
    ['/v1/acquire', { key: 'k', cost: 0 }, 'cost', 'cost must be an integer from 1 to 1000000000'],
    ['/v1/release', {}, 'leaseId', 'leaseId is required'],
    ['/v1/release', { leaseId: 'nope' }, 'leaseId', 'leaseId must be the leaseId of an acquire answer'],
    ['/v1/release', { leaseId: 'u1.a.1', extra: 1 }, 'extra', 'extra is not a known field'],
  ])('answers 400 naming the field: %s %j', async (url, payload, field, message) => {
    expect(await post(app, url, payload)).toMatchObject({ status: 400, body: { error: 'bad_request', field, message } });
  });

  it('answers 404 for a well-formed lease id of another key shape', async () => {
    const forged = `l1.${'A'.repeat(16)}.${Buffer.from('rl:{a:b}:tu').toString('base64url')}`;
    expect((await release(forged)).status).toBe(404);
  });
});

describe('POST /v1/acquire with the store down', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    const backend = new LocalStoreBackend({ store: new MemoryDecisionStore() });
    const fail = (): Promise<never> => Promise.reject(new StoreUnavailableError('down', { cause: undefined }));
    const down: ConcurrencyPort = { acquire: fail, release: fail, peek: fail };
    Object.defineProperty(backend, 'concurrency', { value: down });
    const withClosed: PolicyDocument = {
      ...document,
      policies: [...document.policies, policy({ id: 'strict', match: { customerTier: 'strict' }, failureMode: 'closed' })],
      customers: { acme: { tier: 'llm' }, bank: { tier: 'strict' } },
    };
    ({ app } = await createTestApp({ store: backend, policies: new StaticPolicySource(withClosed) }));
  });

  afterAll(async () => {
    await app.close();
  });

  it('fails open without a lease, or closed with 503, flagged degraded', async () => {
    const open = await post(app, '/v1/acquire', { key: 'k1', customerId: 'acme' });
    expect(open).toMatchObject({ status: 200, body: { allowed: true, degraded: true } });
    expect(open.body.leaseId).toMatch(/^u1\./);
    expect(await post(app, '/v1/acquire', { key: 'k1', customerId: 'bank' })).toMatchObject({ status: 503, body: { allowed: false, degraded: true }, headers: { 'retry-after': '1' } });
    expect(await post(app, '/v1/release', { leaseId: `l1.${'A'.repeat(16)}.${Buffer.from('rl:{in-flight:k1}:cc').toString('base64url')}` })).toMatchObject({ status: 503 });
  });
});
