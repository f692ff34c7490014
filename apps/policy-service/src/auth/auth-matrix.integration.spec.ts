import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestDatabase, type TestDatabase } from '@rl/testing';
import type { ApiKeyRole } from '@rl/contracts';
import { ApiClient, type ApiRequest } from '../testing/api-client';
import { createTestApp, TEST_ADMIN_TOKEN } from '../testing/create-test-app';
import { connectTestNats, deletePolicyChangesStream, testNamespace } from '../testing/nats-streams';
import { AdminBootstrapError } from './api-keys.service';
import type { Access } from './roles';

type Credential = 'none' | 'wrong' | ApiKeyRole;
const CREDENTIALS: Credential[] = ['none', 'wrong', 'viewer', 'editor', 'admin', 'enforcer'];
/** Operator roles by rank; the enforcer role has none: it is allowed only where a route names it. */
const RANK: Partial<Record<ApiKeyRole, number>> = { viewer: 0, editor: 1, admin: 2 };

interface RouteCase {
  /** `METHOD /path/{param}` as in the OpenAPI document. */
  readonly route: string;
  readonly access: Access;
  /** The status the call gets when allowed. */
  readonly ok: number;
  /** Builds a request that succeeds for an allowed caller (fresh state where the call consumes it). */
  readonly request: (admin: ApiClient, n: number) => Promise<ApiRequest> | ApiRequest;
}

const policy = (id: string, tier: string): Record<string, unknown> => ({ id, match: { customerTier: tier }, algorithm: 'gcra', limit: 10, windowSeconds: 1 });

async function create(admin: ApiClient, id: string): Promise<void> {
  const response = await admin.post('/v1/policies', policy(id, id));
  if (response.statusCode !== 201) throw new Error(`setup: ${response.body}`);
}

const ROUTES: RouteCase[] = [
  { route: 'GET /v1/policies', access: ['viewer'], ok: 200, request: () => ({ method: 'GET', url: '/v1/policies' }) },
  { route: 'POST /v1/policies', access: ['editor'], ok: 201, request: (_a, n) => ({ method: 'POST', url: '/v1/policies', body: policy(`new-${n}`, `new-${n}`) }) },
  { route: 'GET /v1/policies/snapshot', access: ['viewer', 'enforcer'], ok: 200, request: () => ({ method: 'GET', url: '/v1/policies/snapshot' }) },
  { route: 'GET /v1/policies/{id}', access: ['viewer'], ok: 200, request: () => ({ method: 'GET', url: '/v1/policies/base' }) },
  {
    route: 'PUT /v1/policies/{id}',
    access: ['editor'],
    ok: 200,
    request: async (admin) => {
      const version = (await admin.get('/v1/policies/base')).json<{ version: number }>().version;
      return { method: 'PUT', url: '/v1/policies/base', body: { ...policy('base', 'base'), limit: 10 + version }, headers: { 'if-match': String(version) } };
    },
  },
  {
    route: 'DELETE /v1/policies/{id}',
    access: ['editor'],
    ok: 204,
    request: async (admin, n) => {
      await create(admin, `doomed-${n}`);
      return { method: 'DELETE', url: `/v1/policies/doomed-${n}` };
    },
  },
  { route: 'GET /v1/policies/{id}/versions', access: ['viewer'], ok: 200, request: () => ({ method: 'GET', url: '/v1/policies/base/versions' }) },
  { route: 'GET /v1/policies/{id}/versions/{version}', access: ['viewer'], ok: 200, request: () => ({ method: 'GET', url: '/v1/policies/base/versions/1' }) },
  { route: 'POST /v1/policies/{id}/rollback', access: ['editor'], ok: 200, request: () => ({ method: 'POST', url: '/v1/policies/base/rollback', body: { version: 1 } }) },
  {
    route: 'POST /v1/imports/envoy-ratelimit',
    access: ['editor'],
    ok: 201,
    request: (_a, n) => ({
      method: 'POST',
      url: '/v1/imports/envoy-ratelimit',
      body: `domain: matrix-${n}\ndescriptors:\n  - key: remote_address\n    rate_limit: { unit: second, requests_per_unit: 10 }\n`,
      headers: { 'content-type': 'application/yaml' },
    }),
  },
  { route: 'PUT /admin/limits', access: ['editor'], ok: 200, request: (_a, n) => ({ method: 'PUT', url: '/admin/limits', body: { customer_id: 'acme', limit: n + 1, window: '1m' } }) },
  { route: 'GET /admin/limits', access: ['viewer'], ok: 200, request: () => ({ method: 'GET', url: '/admin/limits' }) },
  { route: 'GET /admin/limits/{customerId}', access: ['viewer'], ok: 200, request: () => ({ method: 'GET', url: '/admin/limits/base-customer' }) },
  {
    route: 'DELETE /admin/limits/{customerId}',
    access: ['editor'],
    ok: 204,
    request: async (admin, n) => {
      await admin.put('/admin/limits', { customer_id: `doomed-${n}`, limit: 5, window: 60 });
      return { method: 'DELETE', url: `/admin/limits/doomed-${n}` };
    },
  },
  { route: 'PUT /v1/customers/{id}', access: ['editor'], ok: 200, request: (_a, n) => ({ method: 'PUT', url: `/v1/customers/c-${n}`, body: { tier: 'free' } }) },
  { route: 'GET /v1/customers', access: ['viewer'], ok: 200, request: () => ({ method: 'GET', url: '/v1/customers' }) },
  { route: 'GET /v1/customers/{id}', access: ['viewer'], ok: 200, request: () => ({ method: 'GET', url: '/v1/customers/base-customer' }) },
  {
    route: 'DELETE /v1/customers/{id}',
    access: ['editor'],
    ok: 204,
    request: async (admin, n) => {
      await admin.put(`/v1/customers/doomed-${n}`, { tier: 'free' });
      return { method: 'DELETE', url: `/v1/customers/doomed-${n}` };
    },
  },
  { route: 'GET /v1/audit', access: ['viewer'], ok: 200, request: () => ({ method: 'GET', url: '/v1/audit?limit=5&entity=policy&actor=matrix%20editor' }) },
  { route: 'GET /v1/whoami', access: ['viewer'], ok: 200, request: () => ({ method: 'GET', url: '/v1/whoami' }) },
  { route: 'GET /v1/tiers', access: ['viewer'], ok: 200, request: () => ({ method: 'GET', url: '/v1/tiers' }) },
  { route: 'POST /v1/tiers', access: ['editor'], ok: 201, request: (_a, n) => ({ method: 'POST', url: '/v1/tiers', body: { id: `tier-${n}`, description: 'matrix' } }) },
  { route: 'GET /v1/tiers/{id}', access: ['viewer'], ok: 200, request: () => ({ method: 'GET', url: '/v1/tiers/free' }) },
  { route: 'PUT /v1/tiers/{id}', access: ['editor'], ok: 200, request: (_a, n) => ({ method: 'PUT', url: '/v1/tiers/free', body: { description: `free, edit ${n}` } }) },
  {
    route: 'DELETE /v1/tiers/{id}',
    access: ['editor'],
    ok: 204,
    request: async (admin, n) => {
      await admin.post('/v1/tiers', { id: `doomed-tier-${n}` });
      return { method: 'DELETE', url: `/v1/tiers/doomed-tier-${n}` };
    },
  },
  { route: 'POST /v1/api-keys', access: ['admin'], ok: 201, request: (_a, n) => ({ method: 'POST', url: '/v1/api-keys', body: { name: `key ${n}`, role: 'viewer' } }) },
  { route: 'GET /v1/api-keys', access: ['admin'], ok: 200, request: () => ({ method: 'GET', url: '/v1/api-keys' }) },
  {
    route: 'DELETE /v1/api-keys/{id}',
    access: ['admin'],
    ok: 204,
    request: async (admin, n) => {
      const key = (await admin.post('/v1/api-keys', { name: `doomed ${n}`, role: 'viewer' })).json<{ id: string }>();
      return { method: 'DELETE', url: `/v1/api-keys/${key.id}` };
    },
  },
  { route: 'GET /healthz', access: 'public', ok: 200, request: () => ({ method: 'GET', url: '/healthz' }) },
  { route: 'GET /readyz', access: 'public', ok: 200, request: () => ({ method: 'GET', url: '/readyz' }) },
  // An operator block: the enforcer role passes the guard but may create automatic blocks only (403).
  { route: 'POST /v1/blocks', access: ['editor'], ok: 201, request: (_a, n) => ({ method: 'POST', url: '/v1/blocks', body: { type: 'key', value: `matrix-${n}`, ttlSeconds: 60, reason: 'matrix' } }) },
  // An automatic block: the enforcer role only, whatever the operator role (403 for admins too).
  {
    route: 'POST /v1/blocks (source automatic)',
    access: ['enforcer'],
    ok: 201,
    request: (_a, n) => ({ method: 'POST', url: '/v1/blocks', body: { type: 'key', value: `auto-${n}`, ttlSeconds: 60, reason: 'automatic: matrix', source: 'automatic' } }),
  },
  { route: 'GET /v1/blocks', access: ['viewer'], ok: 200, request: () => ({ method: 'GET', url: '/v1/blocks' }) },
  {
    route: 'DELETE /v1/blocks/{id}',
    access: ['editor'],
    ok: 204,
    request: async (admin, n) => {
      const block = (await admin.post('/v1/blocks', { type: 'key', value: `doomed-${n}`, ttlSeconds: 60, reason: 'matrix' })).json<{ id: string }>();
      return { method: 'DELETE', url: `/v1/blocks/${block.id}` };
    },
  },
  // Allowed callers reach query validation (400: policyId is required) without depending on a reconciler.
  { route: 'GET /v1/global-usage', access: ['viewer'], ok: 400, request: () => ({ method: 'GET', url: '/v1/global-usage' }) },
  // Allowed callers reach query or body validation (400) without depending on an enforcer; a reset by key and policy needs none.
  { route: 'GET /v1/counters', access: ['viewer'], ok: 400, request: () => ({ method: 'GET', url: '/v1/counters' }) },
  { route: 'DELETE /v1/counters', access: ['editor'], ok: 200, request: (_a, n) => ({ method: 'DELETE', url: `/v1/counters?policyId=base&key=user-${n}` }) },
  { route: 'POST /v1/counters/explain', access: ['viewer'], ok: 400, request: () => ({ method: 'POST', url: '/v1/counters/explain', body: {} }) },
  { route: 'GET /v1/analytics/top', access: ['viewer'], ok: 200, request: () => ({ method: 'GET', url: '/v1/analytics/top?dimension=key' }) },
  { route: 'GET /v1/analytics/timeseries', access: ['viewer'], ok: 200, request: () => ({ method: 'GET', url: '/v1/analytics/timeseries' }) },
  { route: 'GET /metrics', access: 'public', ok: 200, request: () => ({ method: 'GET', url: '/metrics' }) },
  { route: 'GET /docs', access: 'public', ok: 200, request: () => ({ method: 'GET', url: '/docs' }) },
  { route: 'GET /docs/openapi.json', access: 'public', ok: 200, request: () => ({ method: 'GET', url: '/docs/openapi.json' }) },
];

function expectedStatus(route: RouteCase, credential: Credential): number {
  if (route.access === 'public') return route.ok;
  if (credential === 'none' || credential === 'wrong') return 401;
  const held = RANK[credential];
  const allowed = route.access.some((role) => role === credential || (held !== undefined && RANK[role] !== undefined && held >= (RANK[role] ?? Infinity)));
  return allowed ? route.ok : 403;
}

describe('auth matrix: every route x no token, wrong token, viewer, editor, admin, enforcer', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let admin: ApiClient;
  const tokens: Partial<Record<Credential, string>> = { admin: TEST_ADMIN_TOKEN, wrong: 'rlk_this-token-was-never-issued' };
  const namespace = testNamespace();
  let n = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ app } = await createTestApp({ databaseUrl: db.url, namespace }));
    admin = new ApiClient(app, TEST_ADMIN_TOKEN);
    for (const role of ['viewer', 'editor', 'enforcer'] as const) {
      const created = await admin.post('/v1/api-keys', { name: `matrix ${role}`, role });
      expect(created.statusCode).toBe(201);
      tokens[role] = created.json<{ token: string }>().token;
    }
    await create(admin, 'base');
    await admin.post('/v1/tiers', { id: 'free' });
    await admin.put('/admin/limits', { customer_id: 'base-customer', limit: 5, window: 60 });
    await admin.put('/v1/customers/base-customer', { tier: 'free' });
  });

  afterAll(async () => {
    await app?.close();
    const nc = await connectTestNats();
    await deletePolicyChangesStream(nc, namespace);
    await nc.close();
    await db?.drop();
  });

  it('covers every route of the OpenAPI document', async () => {
    const doc = (await admin.get('/docs/openapi.json')).json<{ paths: Record<string, Record<string, unknown>> }>();
    const documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    const covered = ROUTES.map((r) => r.route);
    expect(documented.filter((route) => !covered.includes(route))).toEqual([]);
  });

  it.each(ROUTES.flatMap((route) => CREDENTIALS.map((credential) => [route.route, credential, expectedStatus(route, credential), route] as const)))(
    '%s with %s -> %d',
    async (_route, credential, status, route) => {
      const request = await route.request(admin, n++);
      const response = await admin.as(tokens[credential]).send(request);
      expect(response.statusCode).toBe(status);
      if (status === 401) {
        expect(response.json()).toMatchObject({ error: 'unauthorized' });
        expect(response.headers['www-authenticate']).toBe('Bearer realm="policy-service"');
      }
      if (status === 403) expect(response.json()).toMatchObject({ error: 'forbidden' });
    },
  );

  it('shows a token once, stores only its hash, and refuses it once revoked', async () => {
    const created = await admin.post('/v1/api-keys', { name: 'ci deploy', role: 'editor' });
    const key = created.json<{ id: string; token: string; role: string; name: string }>();
    expect(key).toMatchObject({ name: 'ci deploy', role: 'editor', revokedAt: null });
    const listed = (await admin.get('/v1/api-keys')).json<{ items: Record<string, unknown>[] }>().items.find((k) => k.id === key.id);
    expect(listed).toEqual({ id: key.id, name: 'ci deploy', role: 'editor', createdAt: expect.any(String), revokedAt: null });
    expect(JSON.stringify((await admin.get('/v1/api-keys')).json())).not.toContain(key.token);

    const asKey = admin.as(key.token);
    expect((await asKey.get('/v1/policies')).statusCode).toBe(200);
    expect((await admin.delete(`/v1/api-keys/${key.id}`)).statusCode).toBe(204);
    expect((await admin.delete(`/v1/api-keys/${key.id}`)).statusCode).toBe(204);
    expect((await asKey.get('/v1/policies')).statusCode).toBe(401);
    expect((await admin.delete('/v1/api-keys/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await admin.delete('/v1/api-keys/not-a-uuid')).json()).toMatchObject({ fields: [{ path: 'id', message: 'must be a UUID' }] });
  });

  it('tells each key who it is, so the console offers only what its role may do', async () => {
    for (const role of ['viewer', 'editor', 'admin'] as const) {
      const response = await admin.as(tokens[role]).get('/v1/whoami');
      expect(response.json()).toEqual({ keyId: expect.stringMatching(/^[0-9a-f-]{36}$/), name: role === 'admin' ? 'ADMIN_TOKEN' : `matrix ${role}`, role });
    }
  });

  it('never revokes the last active admin key', async () => {
    const keys = (await admin.get('/v1/api-keys')).json<{ items: { id: string; role: string; revokedAt: string | null }[] }>().items;
    const admins = keys.filter((k) => k.role === 'admin' && k.revokedAt === null);
    expect(admins).toHaveLength(1);
    const refused = await admin.delete(`/v1/api-keys/${admins[0].id}`);
    expect(refused.statusCode).toBe(409);
    expect((await admin.get('/v1/api-keys')).statusCode).toBe(200);
  });

  it('records who did what in the audit log', async () => {
    const entries = (await admin.get('/v1/audit?limit=500')).json<{ items: { action: string; actorName: string }[] }>().items;
    expect(entries.some((e) => e.action === 'api_key.created' && e.actorName === 'system')).toBe(true);
    expect(entries.some((e) => e.action === 'policy.created' && e.actorName === 'matrix editor')).toBe(true);
    expect(entries.some((e) => e.action === 'api_key.revoked' && e.actorName === 'ADMIN_TOKEN')).toBe(true);
  });
});

describe('ADMIN_TOKEN bootstrap', () => {
  let db: TestDatabase;
  const namespace = testNamespace();

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    const nc = await connectTestNats();
    await deletePolicyChangesStream(nc, namespace);
    await nc.close();
    await db?.drop();
  });

  it('refuses to start without ADMIN_TOKEN while no admin key exists', async () => {
    await expect(createTestApp({ databaseUrl: db.url, namespace, adminToken: null, waitForNats: false })).rejects.toThrow(AdminBootstrapError);
  });

  it('stores ADMIN_TOKEN, keeps it across restarts, and replaces it when it changes', async () => {
    const first = await createTestApp({ databaseUrl: db.url, namespace, adminToken: 'first-admin-token-aaaaaaaa', waitForNats: false });
    expect((await new ApiClient(first.app, 'first-admin-token-aaaaaaaa').get('/v1/api-keys')).statusCode).toBe(200);
    await first.app.close();

    const again = await createTestApp({ databaseUrl: db.url, namespace, adminToken: 'first-admin-token-aaaaaaaa', waitForNats: false });
    const keys = (await new ApiClient(again.app, 'first-admin-token-aaaaaaaa').get('/v1/api-keys')).json<{ items: unknown[] }>().items;
    expect(keys).toHaveLength(1);
    await again.app.close();

    const rotated = await createTestApp({ databaseUrl: db.url, namespace, adminToken: 'second-admin-token-bbbbbbb', waitForNats: false });
    expect((await new ApiClient(rotated.app, 'first-admin-token-aaaaaaaa').get('/v1/api-keys')).statusCode).toBe(401);
    expect((await new ApiClient(rotated.app, 'second-admin-token-bbbbbbb').get('/v1/api-keys')).statusCode).toBe(200);
    await rotated.app.close();

    // Once an admin key exists, ADMIN_TOKEN may be left unset.
    const unset = await createTestApp({ databaseUrl: db.url, namespace, adminToken: null, waitForNats: false });
    expect((await new ApiClient(unset.app, 'second-admin-token-bbbbbbb').get('/v1/api-keys')).statusCode).toBe(200);
    await unset.app.close();
  });

  it('stores ENFORCER_API_KEY as a key of the enforcer role, replaces it when it changes, and refuses another role\'s token', async () => {
    const admin = 'second-admin-token-bbbbbbb';
    const keysOf = async (app: NestFastifyApplication): Promise<{ name: string; role: string; revokedAt: string | null }[]> =>
      (await new ApiClient(app, admin).get('/v1/api-keys')).json<{ items: { name: string; role: string; revokedAt: string | null }[] }>().items;

    const first = await createTestApp({ databaseUrl: db.url, namespace, adminToken: admin, env: { ENFORCER_API_KEY: 'first-enforcer-key-aaaaaaa' }, waitForNats: false });
    expect((await keysOf(first.app)).filter((k) => k.revokedAt === null)).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'ENFORCER_API_KEY', role: 'enforcer' }), expect.objectContaining({ name: 'ADMIN_TOKEN', role: 'admin' })]),
    );
    const asEnforcer = new ApiClient(first.app, 'first-enforcer-key-aaaaaaa');
    expect((await asEnforcer.get('/v1/policies/snapshot')).statusCode).toBe(200);
    expect((await asEnforcer.get('/v1/policies')).statusCode).toBe(403);
    await first.app.close();

    const rotated = await createTestApp({ databaseUrl: db.url, namespace, adminToken: admin, env: { ENFORCER_API_KEY: 'second-enforcer-key-bbbbbb' }, waitForNats: false });
    expect((await new ApiClient(rotated.app, 'first-enforcer-key-aaaaaaa').get('/v1/policies/snapshot')).statusCode).toBe(401);
    expect((await new ApiClient(rotated.app, 'second-enforcer-key-bbbbbb').get('/v1/policies/snapshot')).statusCode).toBe(200);
    // The admin key from ADMIN_TOKEN is untouched by the enforcer key's rotation.
    expect((await keysOf(rotated.app)).filter((k) => k.revokedAt === null).map((k) => `${k.name}:${k.role}`).sort()).toEqual(['ADMIN_TOKEN:admin', 'ENFORCER_API_KEY:enforcer']);
    await rotated.app.close();

    await expect(createTestApp({ databaseUrl: db.url, namespace, adminToken: 'second-enforcer-key-bbbbbb', waitForNats: false })).rejects.toThrow(
      'ADMIN_TOKEN is the token of the enforcer key "ENFORCER_API_KEY"; it must be the token of a key of the admin role',
    );
    await expect(createTestApp({ databaseUrl: db.url, namespace, adminToken: admin, env: { ENFORCER_API_KEY: admin }, waitForNats: false })).rejects.toThrow(
      'ENFORCER_API_KEY must differ from ADMIN_TOKEN (enforcers never get the admin token)',
    );
  });
});
