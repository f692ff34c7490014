import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestDatabase, type TestDatabase } from '@rl/testing';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AuditPageView, toFieldErrors } from '@rl/contracts';
import { ApiClient } from '../testing/api-client';
import { createTestApp, TEST_ADMIN_TOKEN } from '../testing/create-test-app';
import { connectTestNats, deletePolicyChangesStream, testNamespace } from '../testing/nats-streams';

describe('audit log (append-only in the database)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let api: ApiClient;
  let owner: Client;
  const namespace = testNamespace();

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ app } = await createTestApp({ databaseUrl: db.url, namespace }));
    api = new ApiClient(app, TEST_ADMIN_TOKEN);
    owner = new Client({ connectionString: db.url });
    await owner.connect();
    await api.post('/v1/policies', { id: 'p', match: { customerTier: 'free' }, algorithm: 'gcra', limit: 5, windowSeconds: 1 });
    await api.put('/v1/policies/p', { match: { customerTier: 'free' }, algorithm: 'gcra', limit: 6, windowSeconds: 1 }, { 'if-match': '1' });
    await api.put('/admin/limits', { customer_id: 'acme', limit: 3, window: '30s' });
  });

  afterAll(async () => {
    await app?.close();
    await owner?.end();
    const nc = await connectTestNats();
    await deletePolicyChangesStream(nc, namespace);
    await nc.close();
    await db?.drop();
  });

  it('records actor, action, before, after and time of every change, newest first, in pages', async () => {
    const first = await api.get('/v1/audit?limit=2');
    expect(first.statusCode).toBe(200);
    const page = first.json<AuditPageView>();
    expect(toFieldErrors(validateSync(plainToInstance(AuditPageView, page) as object, { whitelist: true, forbidNonWhitelisted: true }))).toEqual([]);
    expect(page.items.map((e) => e.action)).toEqual(['override.set', 'policy.updated']);
    expect(page.items[1]).toMatchObject({
      actorName: 'ADMIN_TOKEN',
      entityType: 'policy',
      entityId: 'p',
      revision: 2,
      before: { limit: 5, version: 1 },
      after: { limit: 6, version: 2 },
    });
    expect(page.items[1].actorKeyId).toMatch(/^[0-9a-f-]{36}$/);
    expect(page.nextBefore).toBe(page.items[1].id);

    // The policy named tier "free" first, which made the tier (audited by the same actor).
    const rest = (await api.get(`/v1/audit?limit=3&before=${page.nextBefore}`)).json<AuditPageView>();
    expect(rest.items.map((e) => e.action)).toEqual(['policy.created', 'tier.created', 'api_key.created']);
    expect(rest.items[0]).toMatchObject({ before: null, after: { id: 'p', version: 1 } });
    expect(rest.items[1]).toMatchObject({ actorName: 'ADMIN_TOKEN', entityType: 'tier', entityId: 'free', after: { id: 'free', description: '', version: 1 } });
    expect(rest.items[2]).toMatchObject({ actorName: 'system', entityType: 'api_key' });
    expect(rest.nextBefore).toBeNull();
    expect((await api.get('/v1/audit?limit=0')).json()).toMatchObject({ fields: [{ path: 'limit' }] });
    expect((await api.get('/v1/audit?page=2')).json()).toMatchObject({ fields: [{ path: 'page', message: 'is not a known field' }] });
  });

  it('filters by entity, entity id, actor and time range, each page keeping the filters', async () => {
    const editor = (await api.post('/v1/api-keys', { name: 'audit editor', role: 'editor' })).json<{ id: string; token: string }>();
    const asEditor = api.as(editor.token);
    // The database stamps entries in microseconds, a Date holds milliseconds: step past the
    // millisecond of the key's creation so that `before` is strictly after it.
    await new Promise((resolve) => setTimeout(resolve, 2));
    const before = new Date();
    expect((await asEditor.put('/admin/limits', { customer_id: 'acme', limit: 4, window: '30s' })).statusCode).toBe(200);
    expect((await asEditor.put('/admin/limits', { customer_id: 'globex', limit: 9, window: '1m' })).statusCode).toBe(200);
    expect((await asEditor.post('/v1/tiers', { id: 'gold', description: 'paying' })).statusCode).toBe(201);
    const after = new Date(Date.now() + 1);
    const actions = async (query: string): Promise<string[]> => {
      const response = await api.get(`/v1/audit?${query}`);
      expect(response.statusCode).toBe(200);
      return response.json<AuditPageView>().items.map((e) => `${e.action} ${e.entityId} ${e.actorName}`);
    };
    expect(await actions('entity=override&entityId=acme')).toEqual(['override.set acme audit editor', 'override.set acme ADMIN_TOKEN']);
    expect(await actions('actor=audit%20editor')).toEqual(['tier.created gold audit editor', 'override.set globex audit editor', 'override.set acme audit editor']);
    expect(await actions(`actor=${editor.id}&entity=tier`)).toEqual(['tier.created gold audit editor']);
    expect(await actions(`since=${before.toISOString()}&until=${after.toISOString()}&entity=override`)).toEqual(['override.set globex audit editor', 'override.set acme audit editor']);
    expect(await actions(`until=${before.toISOString()}&entity=api_key&actor=ADMIN_TOKEN`)).toEqual([`api_key.created ${editor.id} ADMIN_TOKEN`]);
    expect(await actions('entity=policy&entityId=nope')).toEqual([]);

    // Pages of one, the filters kept: every entry once, newest first.
    const seen: string[] = [];
    let next: number | null | undefined;
    do {
      const page: AuditPageView = (await api.get(`/v1/audit?actor=audit%20editor&limit=1${next === undefined ? '' : `&before=${next}`}`)).json<AuditPageView>();
      seen.push(...page.items.map((e) => e.entityId));
      next = page.nextBefore;
    } while (next !== null);
    expect(seen).toEqual(['gold', 'globex', 'acme']);

    const fields = async (query: string): Promise<unknown> => (await api.get(`/v1/audit?${query}`)).json<{ fields: { path: string }[] }>().fields.map((f) => f.path);
    expect(await fields('entity=planet')).toEqual(['entity']);
    expect(await fields('since=yesterday')).toEqual(['since']);
    expect(await fields(`since=${after.toISOString()}&until=${before.toISOString()}`)).toEqual(['since']);
    expect(await fields('actor=')).toEqual(['actor']);
  });

  it("refuses UPDATE and DELETE through the service's own connection (its role has no such privilege)", async () => {
    const dataSource = app.get(DataSource);
    await expect(dataSource.query(`UPDATE audit_log SET action = 'forged'`)).rejects.toThrow(/permission denied for table audit_log/);
    await expect(dataSource.query('DELETE FROM audit_log')).rejects.toThrow(/permission denied for table audit_log/);
    await expect(dataSource.query('TRUNCATE audit_log')).rejects.toThrow(/permission denied for table audit_log/);
    await expect(dataSource.query(`UPDATE policy_versions SET change = 'updated'`)).rejects.toThrow(/permission denied for table policy_versions/);
    expect((await dataSource.query('SELECT current_user AS role'))[0].role).toBe('rl_policy_service');
  });

  it('refuses UPDATE, DELETE and TRUNCATE even for the table owner (trigger)', async () => {
    await expect(owner.query(`UPDATE audit_log SET action = 'forged'`)).rejects.toThrow('audit_log is append-only: UPDATE is not allowed');
    await expect(owner.query('DELETE FROM audit_log WHERE id = 1')).rejects.toThrow('audit_log is append-only: DELETE is not allowed');
    await expect(owner.query('TRUNCATE audit_log')).rejects.toThrow('audit_log is append-only: TRUNCATE is not allowed');
    await expect(owner.query('DELETE FROM policy_versions')).rejects.toThrow('policy_versions is append-only: DELETE is not allowed');
    const { rows } = await owner.query(`SELECT count(*) AS n FROM audit_log WHERE action = 'forged'`);
    expect(Number(rows[0].n)).toBe(0);
  });
});
