import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { CheckResponse, Policy, PolicyAlgorithm } from '@rl/contracts';
import { startRedisServer, waitFor, type RedisServerHandle } from '@rl/testing';
import { PolicySource, SnapshotListeners, type ActivePolicies, type SnapshotListener } from '../policies/policy-source';
import { createTestApp } from '../testing/create-test-app';

/**
 * Limits as callers see them, against a real redis-server with `npm start`'s settings: an
 * operator's raise helps an exhausted caller at once, a lowering caps at once, for every
 * algorithm; a denial answered from the deny cache keeps the store's Retry-After.
 */

/** A source whose customer override a test replaces, as the control plane would. */
class OverrideSource extends PolicySource {
  private snapshot: ActivePolicies = { revision: '0', policies: [], overrides: [], customerTiers: new Map(), blocks: [] };
  private readonly listeners = new SnapshotListeners();

  setOverride(override: Policy): void {
    const overrides = [...this.snapshot.overrides.filter((o) => o.id !== override.id), override];
    this.snapshot = { ...this.snapshot, revision: String(Number(this.snapshot.revision) + 1), overrides };
    this.listeners.publish(this.snapshot);
  }

  current(): ActivePolicies {
    return this.snapshot;
  }

  subscribe(listener: SnapshotListener): () => void {
    return this.listeners.add(listener);
  }

  notReadyReason(): undefined {
    return undefined;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const override = (input: { customer: string; algorithm: PolicyAlgorithm; limit: number; version: number }): Policy => ({
  id: `override-${input.customer}`,
  match: { customerId: input.customer },
  algorithm: input.algorithm,
  limit: input.limit,
  // An hour: no window boundary (fixed, sliding) or refill (buckets) to speak of during a test.
  windowSeconds: 3_600,
  burst: input.limit,
  scope: 'regional',
  failureMode: 'open',
  mode: 'enforce',
  version: input.version,
});

describe('limits against a real redis-server', () => {
  let redis: RedisServerHandle;
  let app: NestFastifyApplication;
  const source = new OverrideSource();

  beforeAll(async () => {
    redis = await startRedisServer();
    ({ app } = await createTestApp({ store: 'from-config', policies: source, env: { REDIS_URL: redis.url } }));
    await waitFor('enforcer ready', async () => (await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, 10_000);
  });

  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  async function check(customerId: string, key = `${customerId}-user`) {
    const response = await app.inject({ method: 'POST', url: '/v1/check', payload: { key, customerId } });
    return { status: response.statusCode, headers: response.headers, body: response.json<CheckResponse>() };
  }

  async function denyCacheHits(): Promise<number> {
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    return Number(/^rl_deny_cache_hits_total\S* (\d+)/m.exec(text)?.[1] ?? 0);
  }

  const algorithms: PolicyAlgorithm[] = ['token_bucket', 'gcra', 'leaky_bucket', 'fixed_window', 'sliding_window', 'sliding_log'];

  it.each(algorithms.map((a) => [a]))('%s: a raise from 3 to 5 with 3 used leaves 2 at once; a lowering to 1 caps at once', async (algorithm) => {
    const customer = `raise-${algorithm.replace(/_/g, '-')}`;
    source.setOverride(override({ customer, algorithm, limit: 3, version: 1 }));
    expect([(await check(customer)).status, (await check(customer)).status, (await check(customer)).status]).toEqual([200, 200, 200]);
    const exhausted = await check(customer);
    expect(exhausted).toMatchObject({ status: 429, body: { remaining: 0, limit: 3 } });

    source.setOverride(override({ customer, algorithm, limit: 5, version: 2 }));
    const raised = await check(customer);
    expect(raised).toMatchObject({ status: 200, body: { limit: 5, remaining: 1, policy: { version: 2 } } });
    expect(raised.body.degraded).toBeUndefined();
    expect((await check(customer)).status).toBe(200);
    expect((await check(customer)).status).toBe(429);

    source.setOverride(override({ customer, algorithm, limit: 1, version: 3 }));
    expect(await check(customer)).toMatchObject({ status: 429, body: { limit: 1, remaining: 0 } });
  });

  it.each(algorithms.map((a) => [a]))('%s: dry runs answer like checks and consume nothing in Redis', async (algorithm) => {
    const customer = `dry-${algorithm.replace(/_/g, '-')}`;
    source.setOverride(override({ customer, algorithm, limit: 3, version: 1 }));
    const dry = async () => (await app.inject({ method: 'POST', url: '/v1/check', payload: { key: `${customer}-user`, customerId: customer, dryRun: true } })).json<CheckResponse>();
    for (let i = 0; i < 5; i++) expect(await dry()).toMatchObject({ allowed: true, remaining: 2, dryRun: true, matched: 'override' });
    expect([(await check(customer)).status, (await check(customer)).status, (await check(customer)).status, (await check(customer)).status]).toEqual([200, 200, 200, 429]);
    expect(await dry()).toMatchObject({ allowed: false, remaining: 0, dryRun: true });
  });

  it('answers a denial from the deny cache with the true Retry-After, not the cache hold (limit 1 per hour)', async () => {
    const customer = 'minute';
    source.setOverride(override({ customer, algorithm: 'fixed_window', limit: 1, version: 1 }));
    expect((await check(customer)).status).toBe(200);
    const hitsBefore = await denyCacheHits();
    const replies = [];
    for (let i = 0; i < 5; i++) replies.push(await check(customer));
    expect(await denyCacheHits()).toBeGreaterThan(hitsBefore);
    for (const reply of replies) {
      expect(reply.status).toBe(429);
      // The fixed window ends at the next hour boundary, never within the deny cache's 1 s hold.
      const retryAfter = Number(reply.headers['retry-after']);
      expect(retryAfter).toBe(Math.max(1, Math.ceil(reply.body.retryAfterSeconds)));
      expect(Math.abs(retryAfter - Math.ceil(replies[0].body.retryAfterSeconds))).toBeLessThanOrEqual(1);
    }
  });
});
