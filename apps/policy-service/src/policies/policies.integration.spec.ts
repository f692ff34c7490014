import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestDatabase, type TestDatabase } from '@rl/testing';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { NatsConnection } from 'nats';
import { PolicyVersionListView, PolicyView, SnapshotView, toFieldErrors, type Policy } from '@rl/contracts';
import { ApiClient } from '../testing/api-client';
import { createTestApp, TEST_ADMIN_TOKEN } from '../testing/create-test-app';
import { connectTestNats, deletePolicyChangesStream, testNamespace } from '../testing/nats-streams';

const freeTier = { id: 'free-tier', match: { customerTier: 'free' }, algorithm: 'token_bucket', limit: 100, windowSeconds: 60 };

/** The response satisfies the contracts' view class (no unknown fields, every rule). */
function expectShape(cls: new () => object, body: unknown): void {
  const errors = toFieldErrors(validateSync(plainToInstance(cls, body) as object, { whitelist: true, forbidNonWhitelisted: true }));
  expect(errors).toEqual([]);
}

describe('policies API (real PostgreSQL and NATS)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let api: ApiClient;
  let nc: NatsConnection;
  const namespace = testNamespace();

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ app } = await createTestApp({ databaseUrl: db.url, namespace }));
    api = new ApiClient(app, TEST_ADMIN_TOKEN);
    nc = await connectTestNats();
  });

  afterAll(async () => {
    await app?.close();
    if (nc !== undefined) {
      await deletePolicyChangesStream(nc, namespace);
      await nc.close();
    }
    await db?.drop();
  });

  it('creates a policy as version 1 with every default, and 409s a second create', async () => {
    const created = await api.post('/v1/policies', freeTier);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ ...freeTier, burst: 100, scope: 'regional', failureMode: 'open', mode: 'enforce', version: 1 });
    expect(created.headers.etag).toBe('"1"');
    expect(created.headers.location).toBe('/v1/policies/free-tier');
    expect(Number(created.headers['x-control-revision'])).toBeGreaterThanOrEqual(1);
    expectShape(PolicyView, created.json());

    const again = await api.post('/v1/policies', { ...freeTier, limit: 5 });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: 'conflict' });

    const fetched = await api.get('/v1/policies/free-tier');
    expect(fetched.statusCode).toBe(200);
    expect(fetched.json()).toEqual(created.json());
    expect(fetched.headers.etag).toBe('"1"');
    expect((await api.get('/v1/policies')).json()).toEqual({ items: [created.json()] });
  });

  it('stores a concurrency policy with its lease, and refuses one without or with rate-only settings', async () => {
    const inFlight = { id: 'in-flight', match: { customerTier: 'llm' }, algorithm: 'concurrency', limit: 5, leaseSeconds: 30 };
    const created = await api.post('/v1/policies', inFlight);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ ...inFlight, windowSeconds: 30, burst: 5, scope: 'regional', failureMode: 'open', mode: 'enforce', version: 1 });
    expectShape(PolicyView, created.json());
    expect((await api.get('/v1/policies/in-flight')).json()).toEqual(created.json());
    const snapshot = (await api.get('/v1/policies/snapshot')).json() as { policies: Policy[] };
    expect(snapshot.policies.find((p) => p.id === 'in-flight')).toMatchObject({ algorithm: 'concurrency', leaseSeconds: 30 });

    const cases: [Record<string, unknown>, string][] = [
      [{ ...inFlight, id: 'no-lease', match: { customerTier: 'a' }, leaseSeconds: undefined }, 'leaseSeconds'],
      [{ ...inFlight, id: 'global-lease', match: { customerTier: 'b' }, scope: 'global' }, 'scope'],
      [{ ...inFlight, id: 'odd-window', match: { customerTier: 'c' }, windowSeconds: 60 }, 'windowSeconds'],
      [{ ...freeTier, id: 'rate-lease', match: { customerTier: 'd' }, leaseSeconds: 30 }, 'leaseSeconds'],
      // A concurrency policy has one limit (in flight); a stack's limits count per window.
      [{ ...inFlight, id: 'stacked-lease', match: { customerTier: 'e' }, limits: [{ name: 'burst', limit: 5, windowSeconds: 1 }] }, 'limits'],
      [{ ...freeTier, id: 'stack-with-lease', match: { customerTier: 'f' }, limit: undefined, windowSeconds: undefined, leaseSeconds: 30, limits: [{ name: 'burst', limit: 5, windowSeconds: 1 }] }, 'leaseSeconds'],
    ];
    for (const [body, path] of cases) {
      const refused = await api.post('/v1/policies', body);
      expect([400, 422]).toContain(refused.statusCode);
      expect(JSON.stringify(refused.json())).toContain(path);
    }
    // A rate policy and a concurrency policy may share a match: they limit different things.
    expect((await api.post('/v1/policies', { ...freeTier, id: 'llm-rate', match: { customerTier: 'llm' } })).statusCode).toBe(201);
    expect((await api.post('/v1/policies', { ...inFlight, id: 'in-flight-2' })).statusCode).toBe(422);
    expect((await api.delete('/v1/policies/in-flight')).statusCode).toBe(204);
    expect((await api.delete('/v1/policies/llm-rate')).statusCode).toBe(204);
  });

  it('replaces with If-Match: each change a new version, old versions readable', async () => {
    const missing = await api.put('/v1/policies/free-tier', { ...freeTier, limit: 200 });
    expect(missing.statusCode).toBe(428);
    expect(missing.json()).toMatchObject({ error: 'precondition_required' });

    const v2 = await api.put('/v1/policies/free-tier', { ...freeTier, limit: 200, version: 99 }, { 'if-match': '"1"' });
    expect(v2.statusCode).toBe(200);
    expect(v2.json()).toMatchObject({ limit: 200, burst: 200, version: 2 });
    expect(v2.headers.etag).toBe('"2"');

    const stale = await api.put('/v1/policies/free-tier', { ...freeTier, limit: 300 }, { 'if-match': '1' });
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({ error: 'precondition_failed' });
    expect(stale.headers.etag).toBe('"2"');

    const v3 = await api.put('/v1/policies/free-tier', { ...freeTier, match: { customerTier: 'free', method: 'get' }, mode: 'shadow' }, { 'if-match': '2' });
    expect(v3.json()).toMatchObject({ match: { customerTier: 'free', method: 'GET' }, mode: 'shadow', limit: 100, version: 3 });

    const history = await api.get('/v1/policies/free-tier/versions');
    expect(history.statusCode).toBe(200);
    expectShape(PolicyVersionListView, history.json());
    const items = history.json<{ items: { version: number; change: string; actorName: string; policy: Policy }[] }>().items;
    expect(items.map((v) => [v.version, v.change, v.policy.limit, v.actorName])).toEqual([
      [1, 'created', 100, 'ADMIN_TOKEN'],
      [2, 'updated', 200, 'ADMIN_TOKEN'],
      [3, 'updated', 100, 'ADMIN_TOKEN'],
    ]);
    const one = await api.get('/v1/policies/free-tier/versions/2');
    expect(one.json()).toMatchObject({ version: 2, policy: { limit: 200, version: 2 } });
    expect((await api.get('/v1/policies/free-tier/versions/9')).statusCode).toBe(404);
    expect((await api.get('/v1/policies/free-tier/versions/zero')).json()).toMatchObject({ fields: [{ path: 'version' }] });
  });

  it('rejects a body whose id differs from the path, and a malformed If-Match', async () => {
    const wrongId = await api.put('/v1/policies/free-tier', { ...freeTier, id: 'other' }, { 'if-match': '3' });
    expect(wrongId.statusCode).toBe(422);
    expect(wrongId.json()).toMatchObject({ fields: [{ path: 'id' }] });
    const badTag = await api.put('/v1/policies/free-tier', freeTier, { 'if-match': 'yesterday' });
    expect(badTag.statusCode).toBe(400);
    expect(badTag.json()).toMatchObject({ fields: [{ path: 'If-Match' }] });
    expect((await api.put('/v1/policies/nope', { ...freeTier, id: undefined }, { 'if-match': '1' })).statusCode).toBe(404);
  });

  it('gives one 200 and one 412 to two concurrent PUTs with the same If-Match', async () => {
    const current = (await api.get('/v1/policies/free-tier')).json<Policy>();
    const [a, b] = await Promise.all([
      api.put('/v1/policies/free-tier', { ...freeTier, limit: 111 }, { 'if-match': String(current.version) }),
      api.put('/v1/policies/free-tier', { ...freeTier, limit: 222 }, { 'if-match': String(current.version) }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 412]);
    const winner = a.statusCode === 200 ? a : b;
    const after = (await api.get('/v1/policies/free-tier')).json<Policy>();
    expect(after).toEqual(winner.json());
    expect(after.version).toBe(current.version + 1);
    const versions = (await api.get('/v1/policies/free-tier/versions')).json<{ items: unknown[] }>().items;
    expect(versions).toHaveLength(current.version + 1);
  });

  it('rolls back to an earlier version as a new version', async () => {
    const head = (await api.get('/v1/policies/free-tier')).json<Policy>();
    const rolled = await api.post('/v1/policies/free-tier/rollback', { version: 2 });
    expect(rolled.statusCode).toBe(200);
    expect(rolled.json()).toMatchObject({ limit: 200, mode: 'enforce', version: head.version + 1 });
    const entry = (await api.get(`/v1/policies/free-tier/versions/${head.version + 1}`)).json();
    expect(entry).toMatchObject({ change: 'rolled_back', rolledBackFrom: 2 });
    expect((await api.post('/v1/policies/free-tier/rollback', { version: 99 })).json()).toMatchObject({
      error: 'unprocessable_entity',
      fields: [{ path: 'version', message: 'policy "free-tier" has no version 99' }],
    });
    expect((await api.post('/v1/policies/free-tier/rollback', { version: 1 }, { 'if-match': '1' })).statusCode).toBe(412);
    expect((await api.post('/v1/policies/nope/rollback', { version: 1 })).statusCode).toBe(404);
  });

  it('refuses a second policy with the same match, and the reserved ids', async () => {
    const same = await api.post('/v1/policies', { ...freeTier, id: 'free-copy', match: { customerTier: 'free' } });
    expect(same.statusCode).toBe(422);
    expect(same.json()).toMatchObject({ fields: [{ path: 'match', message: 'matches the same requests as policy "free-tier"' }] });
    for (const id of ['snapshot', 'override-acme']) {
      const reserved = await api.post('/v1/policies', { ...freeTier, id, match: { customerTier: id } });
      expect(reserved.statusCode).toBe(422);
      expect(reserved.json()).toMatchObject({ fields: [{ path: 'id' }] });
    }
  });

  it('deletes a policy (204), keeps its history, and continues its versions when re-created', async () => {
    await api.post('/v1/policies', { ...freeTier, id: 'gone', match: { route: '/gone' } });
    expect((await api.delete('/v1/policies/gone', { 'if-match': '7' })).statusCode).toBe(412);
    const deleted = await api.delete('/v1/policies/gone');
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    expect((await api.get('/v1/policies/gone')).statusCode).toBe(404);
    expect((await api.delete('/v1/policies/gone')).statusCode).toBe(404);
    expect((await api.get('/v1/policies/gone/versions')).json<{ items: unknown[] }>().items).toHaveLength(1);
    const again = await api.post('/v1/policies', { ...freeTier, id: 'gone', match: { route: '/gone' } });
    expect(again.json()).toMatchObject({ version: 2 });
  });

  it('manages customer tiers and overrides', async () => {
    // Tier "free" exists since a policy named it; "pro" is created here.
    expect((await api.post('/v1/tiers', { id: 'pro' })).statusCode).toBe(201);
    const put = await api.put('/v1/customers/acme', { tier: 'free' });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ id: 'acme', tier: 'free', version: 1 });
    expect((await api.put('/v1/customers/acme', { tier: 'pro' })).json()).toMatchObject({ tier: 'pro', version: 2 });
    expect((await api.get('/v1/customers/acme')).json()).toMatchObject({ tier: 'pro' });
    expect((await api.get('/v1/customers')).json<{ items: unknown[] }>().items).toHaveLength(1);
    const encoded = await api.put(`/v1/customers/${encodeURIComponent('user:42/x')}`, { tier: 'free' });
    expect(encoded.json()).toMatchObject({ id: 'user:42/x' });

    const limit = await api.put('/admin/limits', { customer_id: 'acme', limit: 1000, window: '1m' });
    expect(limit.statusCode).toBe(200);
    expect(limit.json()).toMatchObject({
      customer_id: 'acme',
      limit: 1000,
      window: 60,
      policy: { id: 'override-acme-822b33ad', match: { customerId: 'acme' }, algorithm: 'token_bucket', limit: 1000, windowSeconds: 60, burst: 1000, version: 1 },
    });
    expect(limit.json<{ revision: number }>().revision).toBe(Number(limit.headers['x-control-revision']));
    const second = await api.put('/admin/limits', { customer_id: 'acme', limit: 5, window: 3600, algorithm: 'sliding_window' });
    expect(second.json()).toMatchObject({ window: 3600, policy: { algorithm: 'sliding_window', limit: 5, version: 2 } });
    expect((await api.get('/admin/limits/acme')).json()).toMatchObject({ limit: 5 });

    const snapshot = await api.get('/v1/policies/snapshot');
    expect(snapshot.statusCode).toBe(200);
    expectShape(SnapshotView, snapshot.json());
    const body = snapshot.json<{ revision: number; policies: Policy[]; overrides: Policy[]; customers: Record<string, unknown> }>();
    expect(body.revision).toBe(second.json<{ revision: number }>().revision);
    expect(body.overrides).toEqual([second.json<{ policy: Policy }>().policy]);
    expect(body.customers).toEqual({ acme: { tier: 'pro' }, 'user:42/x': { tier: 'free' } });
    expect(body.policies.map((p) => p.id)).toEqual(['free-tier', 'gone']);

    expect((await api.delete('/admin/limits/acme')).statusCode).toBe(204);
    expect((await api.delete('/admin/limits/acme')).statusCode).toBe(404);
    expect((await api.delete('/v1/customers/acme')).statusCode).toBe(204);
    expect((await api.get('/v1/customers/acme')).statusCode).toBe(404);
    const final = (await api.get('/v1/policies/snapshot')).json<{ revision: number; overrides: unknown[]; customers: Record<string, unknown> }>();
    expect(final.revision).toBe(body.revision + 2);
    expect(final.overrides).toEqual([]);
    expect(Object.keys(final.customers)).toEqual(['user:42/x']);
  });

  it('numbers revisions without gaps, one per committed change, failed changes taking none', async () => {
    const before = (await api.get('/v1/policies/snapshot')).json<{ revision: number }>().revision;
    await api.put('/v1/policies/free-tier', freeTier, { 'if-match': '1' }); // 412: no revision
    await api.post('/v1/policies', { ...freeTier, limit: 0 }); // 400: no revision
    const ok = await api.put('/v1/customers/beta', { tier: 'free' });
    expect(Number(ok.headers['x-control-revision'])).toBe(before + 1);
    expect((await api.get('/v1/policies/snapshot')).json()).toMatchObject({ revision: before + 1 });
  });

  it('lists a customer called __proto__ in the snapshot like any other', async () => {
    expect((await api.put('/v1/tiers/odd', { description: '' })).statusCode).toBe(200);
    expect((await api.put('/v1/customers/__proto__', { tier: 'odd' })).statusCode).toBe(200);
    const snapshot = await api.get('/v1/policies/snapshot');
    expect(snapshot.body).toContain('"__proto__":{"tier":"odd"}');
  });

  it('lists, reads and versions overrides as the policies they are, and rolls one back', async () => {
    const set = async (body: Record<string, unknown>) => {
      const response = await api.put('/admin/limits', { customer_id: 'initech', ...body });
      expect(response.statusCode).toBe(200);
      return response.json<{ policy: Policy }>().policy;
    };
    const v1 = await set({ limit: 10, window: '1m' });
    const v2 = await set({ limit: 20, window: '1h', algorithm: 'gcra', burst: 5, scope: 'global', failureMode: 'closed', mode: 'shadow', escalation: { threshold: 0 } });
    expect(v2).toMatchObject({ version: 2, algorithm: 'gcra', burst: 5, scope: 'global', failureMode: 'closed', mode: 'shadow', escalation: { threshold: 0 } });
    const id = v1.id;
    expect(id).toMatch(/^override-initech-[0-9a-f]{8}$/);

    const listed = (await api.get('/v1/policies')).json<{ items: Policy[] }>().items;
    expect(listed.find((p) => p.id === id)).toEqual(v2);
    expect(listed.map((p) => p.id)).toEqual([...listed.map((p) => p.id)].sort());
    const fetched = await api.get(`/v1/policies/${id}`);
    expect(fetched.statusCode).toBe(200);
    expect(fetched.json()).toEqual(v2);
    expect(fetched.headers.etag).toBe('"2"');
    const history = (await api.get(`/v1/policies/${id}/versions`)).json<PolicyVersionListView>();
    expectShape(PolicyVersionListView, history);
    expect(history.items.map((v) => [v.version, v.change, v.policy.limit, v.actorName])).toEqual([
      [1, 'created', 10, 'ADMIN_TOKEN'],
      [2, 'updated', 20, 'ADMIN_TOKEN'],
    ]);

    // Rollback: a stale If-Match is refused; the content of v1 becomes v3, and reaches enforcers as an override change.
    expect((await api.post(`/v1/policies/${id}/rollback`, { version: 1 }, { 'if-match': '1' })).statusCode).toBe(412);
    expect((await api.post(`/v1/policies/${id}/rollback`, { version: 9 })).statusCode).toBe(422);
    const rolled = await api.post(`/v1/policies/${id}/rollback`, { version: 1 }, { 'if-match': '2' });
    expect(rolled.statusCode).toBe(200);
    expect(rolled.json()).toEqual({ ...v1, version: 3 });
    expect(rolled.headers['x-control-revision']).toBeDefined();
    expect((await api.get('/admin/limits/initech')).json()).toMatchObject({ limit: 10, window: 60, policy: { version: 3, algorithm: 'token_bucket' } });
    const snapshot = (await api.get('/v1/policies/snapshot')).json<{ overrides: Policy[] }>();
    expect(snapshot.overrides.find((p) => p.id === id)).toEqual({ ...v1, version: 3 });
    const rolledEntry = (await api.get(`/v1/policies/${id}/versions/3`)).json();
    expect(rolledEntry).toMatchObject({ change: 'rolled_back', rolledBackFrom: 1 });
    const audit = (await api.get(`/v1/audit?entity=override&entityId=initech&limit=1`)).json<{ items: { action: string }[] }>();
    expect(audit.items.map((e) => e.action)).toEqual(['override.rolled_back']);

    // Replacing or deleting through /v1/policies names the route that does it.
    const put = await api.put(`/v1/policies/${id}`, { ...v1, version: undefined }, { 'if-match': '3' });
    expect(put.statusCode).toBe(422);
    expect(put.json()).toMatchObject({ fields: [{ path: 'id', message: expect.stringContaining('PUT /admin/limits') }] });
    expect((await api.delete(`/v1/policies/${id}`)).statusCode).toBe(422);

    // Removed: no longer listed, its history stays, and setting it again continues the numbers.
    expect((await api.delete('/admin/limits/initech')).statusCode).toBe(204);
    expect((await api.get(`/v1/policies/${id}`)).statusCode).toBe(404);
    expect((await api.get('/v1/policies')).json<{ items: Policy[] }>().items.some((p) => p.id === id)).toBe(false);
    expect((await api.get(`/v1/policies/${id}/versions`)).json<PolicyVersionListView>().items).toHaveLength(3);
    expect((await api.post(`/v1/policies/${id}/rollback`, { version: 1 })).statusCode).toBe(404);
    expect(await set({ limit: 7, window: 60 })).toMatchObject({ version: 4, limit: 7 });
  });

  it("stores a policy's escalation settings, versions them, and carries them in the snapshot", async () => {
    const login = { id: 'login', match: { route: '/login', method: 'POST' }, algorithm: 'fixed_window', limit: 5, windowSeconds: 60, escalation: { threshold: 1, blockSeconds: 900 } };
    const created = await api.post('/v1/policies', login);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ escalation: { threshold: 1, blockSeconds: 900 } });
    expectShape(PolicyView, created.json());
    const off = await api.put('/v1/policies/login', { ...login, id: undefined, escalation: { threshold: 0 } }, { 'if-match': '1' });
    expect(off.json()).toMatchObject({ version: 2, escalation: { threshold: 0 } });
    const snapshot = (await api.get('/v1/policies/snapshot')).json<{ policies: Policy[] }>();
    expect(snapshot.policies.find((p) => p.id === 'login')).toMatchObject({ escalation: { threshold: 0 } });
    const cleared = await api.put('/v1/policies/login', { ...login, id: undefined, escalation: undefined }, { 'if-match': '2' });
    expect(cleared.json()).not.toHaveProperty('escalation');
    const rolled = await api.post('/v1/policies/login/rollback', { version: 1 });
    expect(rolled.json()).toMatchObject({ version: 4, escalation: { threshold: 1, blockSeconds: 900 } });

    const bad = await api.post('/v1/policies', { ...login, id: 'bad-escalation', match: { route: '/x' }, escalation: { threshold: 2000, windowSeconds: 0 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ fields: { path: string }[] }>().fields.map((f) => f.path).sort()).toEqual(['escalation.threshold', 'escalation.windowSeconds']);
    const empty = await api.post('/v1/policies', { ...login, id: 'bad-escalation', match: { route: '/x' }, escalation: {} });
    expect(empty.statusCode).toBe(422);
    expect(empty.json()).toMatchObject({ fields: [{ path: 'escalation' }] });
    expect((await api.get('/v1/policies/bad-escalation')).statusCode).toBe(404);
  });

  it('stores stacked limits with calendar windows and per-limit global scope, round-trips them, versions them and carries them in the snapshot', async () => {
    const plan = {
      id: 'acme-plan',
      match: { customerId: 'acme-stacked' },
      algorithm: 'gcra',
      limits: [
        { name: 'burst', limit: 10, windowSeconds: 1 },
        { name: 'minute', limit: 1_000, windowSeconds: 60, algorithm: 'sliding_window', scope: 'global' },
        { name: 'month', limit: 100_000, window: 'calendar-month', timeZone: 'Europe/Berlin', scope: 'global' },
      ],
    };
    const created = await api.post('/v1/policies', plan);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      limit: 10,
      windowSeconds: 1,
      burst: 10,
      limits: [
        { name: 'burst', limit: 10, windowSeconds: 1, algorithm: 'gcra', burst: 10 },
        { name: 'minute', limit: 1_000, windowSeconds: 60, algorithm: 'sliding_window', burst: 1_000, scope: 'global' },
        { name: 'month', limit: 100_000, window: 'calendar-month', timeZone: 'Europe/Berlin', algorithm: 'fixed_window', burst: 100_000, scope: 'global' },
      ],
    });
    expect(created.json<Policy>().limits?.[0]).not.toHaveProperty('scope');
    expectShape(PolicyView, created.json());
    // What was read can be written back unchanged.
    const same = await api.put('/v1/policies/acme-plan', { ...created.json<Policy>(), id: undefined, version: undefined }, { 'if-match': '1' });
    expect(same.statusCode).toBe(200);
    expect(same.json()).toEqual({ ...created.json(), version: 2 });
    const snapshot = (await api.get('/v1/policies/snapshot')).json<{ policies: Policy[] }>();
    expect(snapshot.policies.find((p) => p.id === 'acme-plan')?.limits).toEqual(created.json<Policy>().limits);
    const single = await api.put('/v1/policies/acme-plan', { match: plan.match, algorithm: 'gcra', limit: 5, windowSeconds: 1 }, { 'if-match': '2' });
    expect(single.json()).not.toHaveProperty('limits');
    const history = (await api.get('/v1/policies/acme-plan/versions')).json<PolicyVersionListView>();
    expect(history.items.find((item) => item.version === 1)?.policy.limits).toHaveLength(3);
  });

  it('refuses bad stacked limits with the field path, storing nothing', async () => {
    const base = { match: { customerId: 'acme-bad' }, algorithm: 'gcra' };
    const cases: [unknown, number, string][] = [
      [{ ...base, id: 'bad-a', limits: [{ name: 'day', limit: 5, window: 'calendar-day', timeZone: 'Mars/Olympus' }] }, 422, 'limits[0].timeZone'],
      [{ ...base, id: 'bad-b', limits: [{ name: 'x', limit: 1, windowSeconds: 1 }, { name: 'x', limit: 2, windowSeconds: 2 }] }, 422, 'limits[1].name'],
      [{ ...base, id: 'bad-c', limits: [{ name: 'x', limit: 1, windowSeconds: 1, window: 'calendar-day' }] }, 422, 'limits[0].windowSeconds'],
      [{ ...base, id: 'bad-d', limits: [{ name: 'x', limit: 1, windowSeconds: 1, scope: 'everywhere' }] }, 400, 'limits[0].scope'],
      [{ ...base, id: 'bad-e', limits: [{ name: 'x', limit: 0, windowSeconds: 1 }] }, 400, 'limits[0].limit'],
      [{ ...base, id: 'bad-f', limits: [] }, 400, 'limits'],
      [{ ...base, id: 'bad-g' }, 400, 'limit'],
    ];
    for (const [body, status, path] of cases) {
      const reply = await api.post('/v1/policies', body);
      expect({ path, status: reply.statusCode }).toEqual({ path, status });
      expect(reply.json<{ fields: { path: string }[] }>().fields.map((f) => f.path)).toContain(path);
    }
    expect((await api.get('/v1/policies')).json<{ items: Policy[] }>().items.some((p) => p.id.startsWith('bad-'))).toBe(false);
  });
});
