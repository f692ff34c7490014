import { waitFor } from '@rl/testing';
import { startControlPlaneStack, type ControlPlaneStack } from './stack';

/**
 * Issue 16 §2 and §3 end to end, through the admin API and both regions (real Postgres, NATS and a
 * redis-server per region): a customer's plan of a rate limit and a concurrency limit on the same
 * match; leases taken, refused, released and expired after a simulated crash in each region on its
 * own; a cost settled after the response in the region that decided it.
 */
describe('concurrency limits and settled costs (policy service, two regions)', () => {
  let stack: ControlPlaneStack;
  let customerId: string;

  beforeAll(async () => {
    stack = await startControlPlaneStack({ label: 'cs' });
    customerId = `acme-${stack.unique}`;
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${stack.policyService.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
  }

  async function post(url: string, path: string, body: unknown): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
  }

  it('sets a rate limit and a concurrency limit for one customer, and both regions enforce them', async () => {
    const match = { customerId };
    expect((await admin('POST', '/v1/policies', { id: 'plan-tokens', match, algorithm: 'token_bucket', limit: 10_000, windowSeconds: 60 })).status).toBe(201);
    const created = await admin('POST', '/v1/policies', { id: 'plan-in-flight', match, algorithm: 'concurrency', limit: 2, leaseSeconds: 2 });
    expect(created).toMatchObject({ status: 201, json: { algorithm: 'concurrency', limit: 2, leaseSeconds: 2, windowSeconds: 2 } });

    for (const enforcer of stack.enforcers()) {
      await waitFor(
        `${enforcer.url} to apply both policies`,
        async () => {
          const acquired = await post(enforcer.url, '/v1/acquire', { key: `probe-${stack.unique}`, customerId });
          const checked = await post(enforcer.url, '/v1/check', { key: `probe-${stack.unique}`, customerId });
          if (typeof acquired.json.leaseId === 'string') await post(enforcer.url, '/v1/release', { leaseId: acquired.json.leaseId });
          return (acquired.json.policy as { id: string }).id === 'plan-in-flight' && (checked.json.policy as { id: string }).id === 'plan-tokens';
        },
        10_000,
      );
    }

    // Each region holds its own leases: two in flight here and two there for the same key.
    const key = `user-${stack.unique}`;
    for (const enforcer of stack.enforcers()) {
      const first = await post(enforcer.url, '/v1/acquire', { key, customerId });
      const second = await post(enforcer.url, '/v1/acquire', { key, customerId });
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(first.headers.get('ratelimit-policy')).toBe('"plan-in-flight";q=2;qu="concurrent-requests"');
      const third = await post(enforcer.url, '/v1/acquire', { key, customerId });
      expect(third.status).toBe(429);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await post(enforcer.url, '/v1/release', { leaseId: first.json.leaseId })).status).toBe(204);
      expect((await post(enforcer.url, '/v1/release', { leaseId: first.json.leaseId })).status).toBe(404);
      expect((await post(enforcer.url, '/v1/acquire', { key, customerId })).status).toBe(200);
      // The caller crashes holding both slots: they free themselves after leaseSeconds.
      expect((await post(enforcer.url, '/v1/acquire', { key, customerId })).status).toBe(429);
      await waitFor(`${enforcer.url} to expire the crashed caller's leases`, async () => (await post(enforcer.url, '/v1/acquire', { key, customerId })).status === 200, 5_000);
    }
  });

  it('settles an estimated cost after the response in the region that decided, once', async () => {
    const [usEast, euWest] = stack.enforcers();
    const key = `tokens-${stack.unique}`;
    const decided = await post(usEast.url, '/v1/check', { key, customerId, cost: 4_000, settle: true });
    // The whole answer on a mismatch: an unrecorded id (`n1.`) means the record could not be written in time.
    expect(decided).toMatchObject({ status: 200, json: { remaining: 6_000, policy: { id: 'plan-tokens' }, decisionId: expect.stringMatching(/^s1\./) } });
    const decisionId = decided.json.decisionId as string;

    // Another region holds no record of it.
    expect((await post(euWest.url, '/v1/settle', { decisionId, actualCost: 1_000 })).status).toBe(404);
    const settled = await post(usEast.url, '/v1/settle', { decisionId, actualCost: 1_000 });
    expect(settled).toMatchObject({ status: 200, json: { estimatedCost: 4_000, actualCost: 1_000, limit: 10_000, region: 'us-east' } });
    expect(settled.json.remaining as number).toBeGreaterThanOrEqual(8_999);
    expect(await post(usEast.url, '/v1/settle', { decisionId, actualCost: 9_000 })).toMatchObject({ status: 200, json: { actualCost: 1_000, repeated: true } });
  });
});
