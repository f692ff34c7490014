import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { TierListView, TierView, toFieldErrors } from '@rl/contracts';
import { createTestDatabase, type TestDatabase } from '@rl/testing';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { Client } from 'pg';
import { migrateDatabase, revertMigrations } from '../database/migrations';
import { ApiClient } from '../testing/api-client';
import { createTestApp, TEST_ADMIN_TOKEN } from '../testing/create-test-app';
import { connectTestNats, deletePolicyChangesStream, testNamespace } from '../testing/nats-streams';

function expectShape(cls: new () => object, body: unknown): void {
  expect(toFieldErrors(validateSync(plainToInstance(cls, body) as object, { whitelist: true, forbidNonWhitelisted: true }))).toEqual([]);
}

const tierPolicy = (id: string, tier: string, route?: string): Record<string, unknown> => ({
  id,
  match: { customerTier: tier, ...(route === undefined ? {} : { route }) },
  algorithm: 'token_bucket',
  limit: 10,
  windowSeconds: 60,
});

describe('tiers API (real PostgreSQL)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let api: ApiClient;
  let pg: Client;
  const namespace = testNamespace();

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ app } = await createTestApp({ databaseUrl: db.url, namespace }));
    api = new ApiClient(app, TEST_ADMIN_TOKEN);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  });

  afterAll(async () => {
    await app?.close();
    await pg?.end();
    const nc = await connectTestNats();
    await deletePolicyChangesStream(nc, namespace);
    await nc.close();
    await db?.drop();
  });

  it('creates, lists, reads and describes tiers; a second create is 409', async () => {
    const created = await api.post('/v1/tiers', { id: 'gold', description: 'Paying customers' });
    expect(created.statusCode).toBe(201);
    expect(created.headers.location).toBe('/v1/tiers/gold');
    expectShape(TierView, created.json());
    expect(created.json()).toMatchObject({ id: 'gold', description: 'Paying customers', version: 1, customerCount: 0, policies: [] });
    expect((await api.post('/v1/tiers', { id: 'gold' })).statusCode).toBe(409);
    expect((await api.post('/v1/tiers', { id: 'free' })).json()).toMatchObject({ id: 'free', description: '' });

    const replaced = await api.put('/v1/tiers/gold', { description: 'Paying customers, 10x the free limits' });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json()).toMatchObject({ description: 'Paying customers, 10x the free limits', version: 2 });
    expect((await api.put('/v1/tiers/bronze', { description: 'made by PUT' })).json()).toMatchObject({ id: 'bronze', version: 1 });

    const list = (await api.get('/v1/tiers')).json<TierListView>();
    expectShape(TierListView, list);
    expect(list.items.map((t) => t.id)).toEqual(['bronze', 'free', 'gold']);
    expect((await api.get('/v1/tiers/silver')).statusCode).toBe(404);
    expect((await api.get('/v1/tiers/gold%20plated')).json()).toMatchObject({ fields: [{ path: 'id' }] });
  });

  it('assigns customers only to tiers that exist (422 naming tier, nothing written)', async () => {
    const refused = await api.put('/v1/customers/acme', { tier: 'glod' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ error: 'unprocessable_entity', fields: [{ path: 'tier', message: expect.stringContaining('"glod" is not one') }] });
    expect((await api.get('/v1/customers/acme')).statusCode).toBe(404);
    expect((await api.get('/v1/audit?entity=customer')).json<{ items: unknown[] }>().items).toEqual([]);

    for (const id of ['acme', 'globex', 'initech']) expect((await api.put(`/v1/customers/${id}`, { tier: 'gold' })).statusCode).toBe(200);
    expect((await api.get('/v1/tiers/gold')).json()).toMatchObject({ customerCount: 3 });
  });

  it('lists the policies that match a tier, and makes the tier a policy names', async () => {
    expect((await api.post('/v1/policies', tierPolicy('gold-api', 'gold'))).statusCode).toBe(201);
    expect((await api.post('/v1/policies', tierPolicy('gold-search', 'gold', '/v1/search/**'))).statusCode).toBe(201);
    const gold = (await api.get('/v1/tiers/gold')).json<TierView>();
    expect(gold.policies.map((p) => p.id)).toEqual(['gold-api', 'gold-search']);
    expect(gold.policies[1]).toMatchObject({ match: { customerTier: 'gold', route: '/v1/search/**' }, version: 1 });

    // A policy for a tier nobody created yet creates it, audited as the policy's author.
    expect((await api.post('/v1/policies', tierPolicy('platinum-api', 'platinum'))).statusCode).toBe(201);
    expect((await api.get('/v1/tiers/platinum')).json()).toMatchObject({ description: '', policies: [{ id: 'platinum-api' }] });
    const audit = (await api.get('/v1/audit?entity=tier&entityId=platinum')).json<{ items: { action: string; actorName: string }[] }>();
    expect(audit.items).toEqual([expect.objectContaining({ action: 'tier.created', actorName: 'ADMIN_TOKEN' })]);
  });

  it('refuses to delete a tier in use (409 naming how many use it), and deletes it once unused', async () => {
    const inUse = await api.delete('/v1/tiers/gold');
    expect(inUse.statusCode).toBe(409);
    expect(inUse.json<{ message: string }>().message).toBe(
      'tier gold is in use by 3 customers and 2 policies (gold-api, gold-search): assign those customers another tier and delete or change those policies first',
    );
    expect((await api.delete('/v1/tiers/platinum')).json<{ message: string }>().message).toContain('in use by 1 policy (platinum-api)');

    for (const id of ['acme', 'globex']) await api.delete(`/v1/customers/${id}`);
    expect((await api.put('/v1/customers/initech', { tier: 'free' })).statusCode).toBe(200);
    expect((await api.delete('/v1/tiers/gold')).json<{ message: string }>().message).toContain('in use by 2 policies');
    for (const id of ['gold-api', 'gold-search']) expect((await api.delete(`/v1/policies/${id}`)).statusCode).toBe(204);
    expect((await api.delete('/v1/tiers/gold')).statusCode).toBe(204);
    expect((await api.get('/v1/tiers/gold')).statusCode).toBe(404);
    expect((await api.delete('/v1/tiers/gold')).statusCode).toBe(404);

    const audit = (await api.get('/v1/audit?entity=tier&entityId=gold')).json<{ items: { action: string; before: unknown; after: unknown }[] }>();
    expect(audit.items.map((e) => e.action)).toEqual(['tier.deleted', 'tier.updated', 'tier.created']);
    expect(audit.items[1]).toMatchObject({ before: { description: 'Paying customers', version: 1 }, after: { description: 'Paying customers, 10x the free limits', version: 2 } });
    // Tiers are not something enforcers see: no revision, nothing on the change feed.
    expect(audit.items.every((e) => !('revision' in e))).toBe(true);
  });

  it('holds in the database too: a customer row cannot name a missing tier', async () => {
    await expect(pg.query(`INSERT INTO customers (id, tier, version) VALUES ('direct', 'nope', 1)`)).rejects.toThrow(/customers_tier_fkey/);
  });
});

describe('upgrading an existing database to tiers and override history', () => {
  it('makes a tier of every tier customers and policies name, and a history entry of every override', async () => {
    const db = await createTestDatabase();
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      // Back to the schema before tiers existed.
      for (;;) {
        const [name] = await revertMigrations(db.url, 1);
        if (name === undefined || name === 'CreatedTiers1796100000000') break;
      }
      await pg.query(`INSERT INTO customers (id, tier, version) VALUES ('acme', 'gold', 1), ('globex', 'silver', 2), ('initech', 'gold', 1)`);
      await pg.query(
        `INSERT INTO policies (id, version, match, match_key, algorithm, "limit", window_seconds, burst, scope, failure_mode, mode)
         VALUES ('bronze-api', 1, '{"customerTier":"bronze"}', '[null,"bronze",null,null]', 'token_bucket', 5, 60, 5, 'regional', 'open', 'enforce'),
                ('search', 1, '{"route":"/search"}', '[null,null,"/search",null]', 'token_bucket', 5, 60, 5, 'regional', 'open', 'enforce')`,
      );
      const override = { id: 'override-acme-822b33ad', match: { customerId: 'acme' }, algorithm: 'token_bucket', limit: 9, windowSeconds: 60, burst: 9, scope: 'regional', failureMode: 'open', mode: 'enforce', version: 3 };
      await pg.query(`INSERT INTO overrides (customer_id, policy_id, "limit", window_seconds, policy, version) VALUES ('acme', $1, 9, 60, $2, 3)`, [override.id, JSON.stringify(override)]);

      const applied = (await migrateDatabase({ url: db.url, createDatabase: false })).applied;
      expect(applied).toEqual(expect.arrayContaining(['CreatedTiers1796100000000', 'RecordedOverrideHistory1796100000001']));

      const tiers = await pg.query('SELECT id, description FROM tiers ORDER BY id');
      expect(tiers.rows.map((r) => r.id)).toEqual(['bronze', 'gold', 'silver']);
      expect(tiers.rows[0].description).toMatch(/^Created by the upgrade/);
      const audit = await pg.query(`SELECT actor_name, action, entity_id FROM audit_log WHERE entity_type = 'tier' ORDER BY id`);
      expect(audit.rows).toEqual(['bronze', 'gold', 'silver'].map((id) => ({ actor_name: 'migration', action: 'tier.created', entity_id: id })));
      const history = await pg.query(`SELECT policy_id, version, change, actor_name, policy->>'limit' AS "limit" FROM policy_versions WHERE policy_id LIKE 'override-%'`);
      expect(history.rows).toEqual([{ policy_id: override.id, version: 3, change: 'updated', actor_name: 'migration', limit: '9' }]);

      // And the service serves them.
      const namespace = testNamespace();
      const { app } = await createTestApp({ databaseUrl: db.url, namespace, waitForNats: false });
      try {
        const api = new ApiClient(app, TEST_ADMIN_TOKEN);
        expect((await api.get('/v1/tiers/gold')).json()).toMatchObject({ customerCount: 2 });
        expect((await api.get('/v1/tiers/bronze')).json()).toMatchObject({ policies: [{ id: 'bronze-api' }] });
        expect((await api.get(`/v1/policies/${override.id}/versions`)).json()).toMatchObject({ items: [{ version: 3, change: 'updated' }] });
        expect((await api.put('/admin/limits', { customer_id: 'acme', limit: 10, window: 60 })).json()).toMatchObject({ policy: { version: 4 } });
      } finally {
        await app.close();
        const nc = await connectTestNats();
        await deletePolicyChangesStream(nc, namespace);
        await nc.close();
      }
    } finally {
      await pg.end();
      await db.drop();
    }
  });
});
