import { createHash } from 'node:crypto';
import type { ServiceHandle } from '@rl/devstack';
import { callApi, check, sleep, type CheckReply } from './http';
import { startControlPlaneStack, type ControlPlaneStack } from './stack';

type Credential = 'none' | 'wrong' | 'viewer' | 'editor' | 'admin';
const CREDENTIALS: Credential[] = ['none', 'wrong', 'viewer', 'editor', 'admin'];
const RANK = { viewer: 0, editor: 1, admin: 2 } as const;

interface RouteCase {
  readonly route: string;
  readonly access: 'viewer' | 'editor' | 'admin';
  readonly ok: number;
  /** A request that succeeds for an allowed caller; `n` makes it fresh where the call consumes state. */
  readonly request: (n: number) => Promise<{ method: string; path: string; body?: unknown }> | { method: string; path: string; body?: unknown };
}

/**
 * The operators' routes end to end, against the running services (the policy service and two
 * regions, each an enforcer with its own redis-server, over real Postgres and NATS): the
 * authorization matrix of the new routes, the tier rules and what they mean to a check, customer
 * overrides as versioned policies rolled back in both regions, the audit filters, and blocked
 * decisions in the analytics API.
 */
describe('operators: tiers, audit, overrides and analytics (policy service, two regions)', () => {
  let stack: ControlPlaneStack;
  let policyService: ServiceHandle;
  const tokens: Partial<Record<Credential, string>> = { wrong: 'rlk_never-issued' };
  let n = 0;

  beforeAll(async () => {
    stack = await startControlPlaneStack({ label: 'ops', enforcerEnv: { EVENTS_SAMPLE_RATE: '1', EVENTS_FLUSH_INTERVAL_MS: '100', ESCALATION_THRESHOLD: '0' } });
    policyService = stack.policyService;
    tokens.admin = stack.adminToken;
    for (const role of ['viewer', 'editor'] as const) tokens[role] = (await api('admin', 'POST', '/v1/api-keys', { name: `ops ${role}`, role })).json.token as string;
    expect((await api('admin', 'POST', '/v1/tiers', { id: 'matrix', description: 'for the matrix' })).status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  function api(as: Credential, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    return callApi(policyService.url, { token: tokens[as], method, path, body });
  }

  async function until(url: string, request: Record<string, unknown>, done: (reply: CheckReply) => boolean): Promise<{ reply: CheckReply; ms: number }> {
    const since = Date.now();
    for (;;) {
      const reply = await check(url, request);
      if (done(reply)) return { reply, ms: Date.now() - since };
      if (Date.now() - since > 10_000) throw new Error(`${url} still answers ${reply.status} ${JSON.stringify(reply.body)} after 10 s`);
    }
  }

  const ROUTES: RouteCase[] = [
    { route: 'GET /v1/whoami', access: 'viewer', ok: 200, request: () => ({ method: 'GET', path: '/v1/whoami' }) },
    { route: 'GET /v1/tiers', access: 'viewer', ok: 200, request: () => ({ method: 'GET', path: '/v1/tiers' }) },
    { route: 'GET /v1/tiers/{id}', access: 'viewer', ok: 200, request: () => ({ method: 'GET', path: '/v1/tiers/matrix' }) },
    { route: 'POST /v1/tiers', access: 'editor', ok: 201, request: (i) => ({ method: 'POST', path: '/v1/tiers', body: { id: `t-${i}` } }) },
    { route: 'PUT /v1/tiers/{id}', access: 'editor', ok: 200, request: (i) => ({ method: 'PUT', path: '/v1/tiers/matrix', body: { description: `edit ${i}` } }) },
    {
      route: 'DELETE /v1/tiers/{id}',
      access: 'editor',
      ok: 204,
      request: async (i) => {
        await api('admin', 'POST', '/v1/tiers', { id: `doomed-${i}` });
        return { method: 'DELETE', path: `/v1/tiers/doomed-${i}` };
      },
    },
    { route: 'GET /v1/audit (filtered)', access: 'viewer', ok: 200, request: () => ({ method: 'GET', path: '/v1/audit?entity=tier&entityId=matrix&actor=ADMIN_TOKEN&since=2020-01-01T00:00:00Z' }) },
    { route: 'GET /v1/analytics/top (customer, key hash)', access: 'viewer', ok: 200, request: () => ({ method: 'GET', path: `/v1/analytics/top?dimension=key&customerId=acme&keyHash=${'0'.repeat(16)}` }) },
    {
      route: 'POST /v1/policies/{override id}/rollback',
      access: 'editor',
      ok: 200,
      request: async (i) => {
        const set = await api('admin', 'PUT', '/admin/limits', { customer_id: `matrix-${i}`, limit: 5, window: 60 });
        await api('admin', 'PUT', '/admin/limits', { customer_id: `matrix-${i}`, limit: 6, window: 60 });
        return { method: 'POST', path: `/v1/policies/${(set.json.policy as { id: string }).id}/rollback`, body: { version: 1 } };
      },
    },
    { route: 'GET /v1/api-keys', access: 'admin', ok: 200, request: () => ({ method: 'GET', path: '/v1/api-keys' }) },
  ];

  const expected = (route: RouteCase, credential: Credential): number =>
    credential === 'none' || credential === 'wrong' ? 401 : RANK[credential] >= RANK[route.access] ? route.ok : 403;

  it.each(ROUTES.flatMap((route) => CREDENTIALS.map((credential) => [route.route, credential, expected(route, credential), route] as const)))(
    'authorization: %s with %s -> %d',
    async (_name, credential, status, route) => {
      const request = await route.request(n++);
      const response = await api(credential, request.method, request.path, request.body);
      expect({ status: response.status, body: response.status === status ? undefined : response.json }).toEqual({ status, body: undefined });
    },
  );

  it('tells each key its role', async () => {
    for (const role of ['viewer', 'editor', 'admin'] as const) expect((await api(role, 'GET', '/v1/whoami')).json).toMatchObject({ role });
  });

  it('enforces the tier rules: an unknown tier is 422, a tier in use 409; tier policies apply in both regions once assigned', async () => {
    const refused = await api('editor', 'PUT', `/v1/customers/acme-${stack.unique}`, { tier: 'glod' });
    expect(refused.status).toBe(422);
    expect(refused.json).toMatchObject({ fields: [{ path: 'tier' }] });
    expect((await api('viewer', 'GET', `/v1/customers/acme-${stack.unique}`)).status).toBe(404);

    expect((await api('editor', 'POST', '/v1/tiers', { id: 'gold', description: 'paying' })).status).toBe(201);
    expect((await api('editor', 'POST', '/v1/tiers', { id: 'gold' })).status).toBe(409);
    const policyId = `gold-${stack.unique}`.slice(0, 64);
    expect((await api('editor', 'POST', '/v1/policies', { id: policyId, match: { customerTier: 'gold' }, algorithm: 'fixed_window', limit: 2, windowSeconds: 60 })).status).toBe(201);
    expect((await api('editor', 'PUT', `/v1/customers/acme-${stack.unique}`, { tier: 'gold' })).status).toBe(200);
    const request = { key: `user:${stack.unique}`, customerId: `acme-${stack.unique}` };
    for (const enforcer of stack.enforcers()) {
      const { reply } = await until(enforcer.url, request, (r) => r.body.policy?.id === policyId);
      expect(reply.body).toMatchObject({ limit: 2, policy: { id: policyId } });
    }

    const inUse = await api('editor', 'DELETE', '/v1/tiers/gold');
    expect(inUse.status).toBe(409);
    expect(inUse.json.message).toBe(`tier gold is in use by 1 customer and 1 policy (${policyId}): assign those customers another tier and delete or change those policies first`);
    expect((await api('viewer', 'GET', '/v1/tiers/gold')).json).toMatchObject({ customerCount: 1, policies: [{ id: policyId }] });

    // Unused again: deleted.
    expect((await api('editor', 'PUT', `/v1/customers/acme-${stack.unique}`, { tier: 'matrix' })).status).toBe(200);
    expect((await api('editor', 'DELETE', `/v1/policies/${policyId}`)).status).toBe(204);
    expect((await api('editor', 'DELETE', '/v1/tiers/gold')).status).toBe(204);
    const audit = await api('viewer', 'GET', '/v1/audit?entity=tier&entityId=gold');
    expect((audit.json.items as { action: string; actorName: string }[]).map((e) => `${e.action} ${e.actorName}`)).toEqual(['tier.deleted ops editor', 'tier.created ops editor']);
  });

  it('lists an override among the policies with its history, and a rollback reaches both regions within a second', async () => {
    const customerId = `vip-${stack.unique}`;
    const first = await api('editor', 'PUT', '/admin/limits', { customer_id: customerId, limit: 3, window: '1m', algorithm: 'sliding_window', escalation: { threshold: 0 } });
    const id = (first.json.policy as { id: string }).id;
    await api('editor', 'PUT', '/admin/limits', { customer_id: customerId, limit: 30, window: '1m' });
    const listed = (await api('viewer', 'GET', '/v1/policies')).json.items as { id: string; version: number }[];
    expect(listed.find((p) => p.id === id)).toMatchObject({ version: 2 });
    expect(((await api('viewer', 'GET', `/v1/policies/${id}/versions`)).json.items as unknown[]).length).toBe(2);

    const request = { key: `v:${stack.unique}`, customerId };
    for (const enforcer of stack.enforcers()) await until(enforcer.url, request, (r) => r.body.policy?.version === 2);
    const rolled = await api('editor', 'POST', `/v1/policies/${id}/rollback`, { version: 1 });
    expect(rolled.json).toMatchObject({ id, version: 3, limit: 3, algorithm: 'sliding_window', escalation: { threshold: 0 } });
    const applied = await Promise.all(stack.enforcers().map((enforcer) => until(enforcer.url, request, (r) => r.body.policy?.version === 3)));
    for (const { reply, ms } of applied) {
      expect(reply.body).toMatchObject({ limit: 3, policy: { id, version: 3 } });
      expect(ms).toBeLessThan(1_000);
    }
  });

  it('returns blocked decisions from the analytics API, for the key an operator looks up by its hash', async () => {
    const key = `blocked:${stack.unique}`;
    const block = await api('editor', 'POST', '/v1/blocks', { type: 'key', value: key, ttlSeconds: 600, reason: 'e2e analytics' });
    expect(block.status).toBe(201);
    const [usEast] = stack.enforcers();
    await until(usEast.url, { key, limit: 100, windowSeconds: 60 }, (r) => (r.body as { blocked?: boolean }).blocked === true);
    for (let i = 0; i < 3; i++) await check(usEast.url, { key, limit: 100, windowSeconds: 60 });

    const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
    let item: Record<string, unknown> | undefined;
    for (let attempt = 0; attempt < 100 && (item === undefined || (item.blocked as number) < 4); attempt++) {
      const top = await api('viewer', 'GET', `/v1/analytics/top?dimension=key&keyHash=${hash}`);
      expect(top.status).toBe(200);
      item = (top.json.items as Record<string, unknown>[])[0];
      await sleep(200);
    }
    expect(item).toMatchObject({ value: hash, region: 'us-east', policyId: 'blocked', blocked: 4, denied: 0 });
    const series = await api('viewer', 'GET', `/v1/analytics/timeseries?keyHash=${hash}`);
    expect((series.json.points as { blocked: number }[]).reduce((sum, p) => sum + p.blocked, 0)).toBe(4);
  });
});
