import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { BlockListView, BlockView, toFieldErrors, type PolicyChangeMessage } from '@rl/contracts';
import { createTestDatabase, waitFor, type TestDatabase } from '@rl/testing';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { NatsConnection } from 'nats';
import { Client } from 'pg';
import { Clock } from '../core/clock';
import { ApiClient } from '../testing/api-client';
import { createTestApp, TEST_ADMIN_TOKEN } from '../testing/create-test-app';
import { connectTestNats, deletePolicyChangesStream, readPolicyChanges, testNamespace } from '../testing/nats-streams';

/** A clock the suite moves forward, to see blocks expire. */
class MovableClock extends Clock {
  private offsetMs = 0;

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

const ENFORCER_KEY = 'test-enforcer-key-0123456789';

function expectShape(cls: new () => object, body: unknown): void {
  expect(toFieldErrors(validateSync(plainToInstance(cls, body) as object, { whitelist: true, forbidNonWhitelisted: true }))).toEqual([]);
}

describe('blocks API (real PostgreSQL and NATS)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let api: ApiClient;
  let nc: NatsConnection;
  let pg: Client;
  let editorToken: string;
  const clock = new MovableClock();
  const namespace = testNamespace();

  async function count(table: string): Promise<number> {
    return Number((await pg.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  }

  async function published(): Promise<PolicyChangeMessage[]> {
    return (await readPolicyChanges(nc, namespace)).map((stored) => stored.message);
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ app } = await createTestApp({ databaseUrl: db.url, namespace, clock, env: { ENFORCER_API_KEY: ENFORCER_KEY } }));
    api = new ApiClient(app, TEST_ADMIN_TOKEN);
    editorToken = (await api.post('/v1/api-keys', { name: 'blocks editor', role: 'editor' })).json<{ token: string }>().token;
    nc = await connectTestNats();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  });

  afterAll(async () => {
    await app?.close();
    await pg?.end();
    if (nc !== undefined) {
      await deletePolicyChangesStream(nc, namespace);
      await nc.close();
    }
    await db?.drop();
  });

  describe('rejects bad input with the field path and writes nothing', () => {
    it.each([
      ['unknown type', { type: 'asn', value: 'x', ttlSeconds: 60, reason: 'r' }, 'type', 'must be one of key, customer, ip, cidr'],
      ['bad IPv4', { type: 'ip', value: '300.1.1.1', ttlSeconds: 60, reason: 'r' }, 'value', 'must be an IPv4 or IPv6 address'],
      ['bad IPv6', { type: 'ip', value: '2001:db8:::1', ttlSeconds: 60, reason: 'r' }, 'value', 'must be an IPv4 or IPv6 address'],
      ['CIDR without prefix', { type: 'cidr', value: '10.0.0.0', ttlSeconds: 60, reason: 'r' }, 'value', 'must be an IPv4 or IPv6 CIDR range such as 10.0.0.0/8 or 2001:db8::/32'],
      ['IPv6 prefix over 128', { type: 'cidr', value: '2001:db8::/129', ttlSeconds: 60, reason: 'r' }, 'value', 'must be an IPv4 or IPv6 CIDR range such as 10.0.0.0/8 or 2001:db8::/32'],
      ['key too long', { type: 'key', value: 'k'.repeat(257), ttlSeconds: 60, reason: 'r' }, 'value', 'must be a key of 1 to 256 printable characters'],
      ['customer with a newline', { type: 'customer', value: 'a\nb', ttlSeconds: 60, reason: 'r' }, 'value', 'must be a customer id of 1 to 128 printable characters'],
      ['TTL zero', { type: 'key', value: 'k', ttlSeconds: 0, reason: 'r' }, 'ttlSeconds', 'must be an integer from 1 to 2592000'],
      ['TTL over 30 days', { type: 'key', value: 'k', ttlSeconds: 2_592_001, reason: 'r' }, 'ttlSeconds', 'must be an integer from 1 to 2592000'],
      ['no reason', { type: 'key', value: 'k', ttlSeconds: 60 }, 'reason', 'is required'],
      ['unknown source', { type: 'key', value: 'k', ttlSeconds: 60, reason: 'r', source: 'robot' }, 'source', 'must be one of operator, automatic'],
      ['unknown field', { type: 'key', value: 'k', ttlSeconds: 60, reason: 'r', colour: 'red' }, 'colour', undefined],
    ])('%s', async (_name, body, path, message) => {
      const response = await api.post('/v1/blocks', body);
      expect(response.statusCode).toBe(400);
      const fields = response.json<{ fields: { path: string; message: string }[] }>().fields;
      expect(fields[0].path).toBe(path);
      if (message !== undefined) expect(fields[0].message).toBe(message);
      expect(await count('blocks')).toBe(0);
      expect(await count('outbox')).toBe(0);
      expect(await count("audit_log WHERE entity_type = 'block'")).toBe(0);
    });

    it('a malformed block id on DELETE', async () => {
      const response = await api.delete('/v1/blocks/not-a-uuid');
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ fields: [{ path: 'id' }] });
    });
  });

  it('adds a block: 201 with id and expiresAt, audited, a new revision published, in the snapshot', async () => {
    const before = clock.now().getTime();
    const created = await api.post('/v1/blocks', { type: 'cidr', value: '2001:db8::/32', ttlSeconds: 3600, reason: 'scraping' });
    expect(created.statusCode).toBe(201);
    const view = created.json<BlockView>();
    expectShape(BlockView, view);
    expect(view).toMatchObject({ type: 'cidr', value: '2001:db8::/32', reason: 'scraping', source: 'operator', createdBy: 'ADMIN_TOKEN' });
    expect(Date.parse(view.expiresAt) - before).toBeGreaterThanOrEqual(3_600_000 - 5);
    expect(Date.parse(view.expiresAt) - before).toBeLessThan(3_600_000 + 5_000);
    const revision = Number(created.headers['x-control-revision']);
    expect(revision).toBeGreaterThanOrEqual(1);

    const audit = await pg.query('SELECT action, entity_id, revision, actor_name, after FROM audit_log WHERE entity_type = $1', ['block']);
    expect(audit.rows).toEqual([{ action: 'block.added', entity_id: view.id, revision: String(revision), actor_name: 'ADMIN_TOKEN', after: view }]);

    const expected = { id: view.id, type: 'cidr', value: '2001:db8::/32', expiresAt: view.expiresAt, reason: 'scraping', source: 'operator' };
    await waitFor('block.added on NATS', async () => (await published()).some((m) => m.revision === revision));
    expect((await published()).find((m) => m.revision === revision)?.change).toEqual({ kind: 'block.added', block: expected });

    const snapshot = (await api.get('/v1/policies/snapshot')).json<{ revision: number; blocks: unknown[] }>();
    expect(snapshot.revision).toBe(revision);
    expect(snapshot.blocks).toEqual([expected]);

    const listed = await api.get('/v1/blocks');
    expectShape(BlockListView, listed.json());
    expect(listed.json()).toEqual({ items: [view] });
  });

  it('removes a block: 204, audited, published, gone from list and snapshot; a second DELETE is 404', async () => {
    const { id } = (await api.get('/v1/blocks')).json<BlockListView>().items[0];
    const removed = await api.delete(`/v1/blocks/${id}`);
    expect(removed.statusCode).toBe(204);
    const revision = Number(removed.headers['x-control-revision']);
    const audit = await pg.query('SELECT action, revision, after FROM audit_log WHERE entity_type = $1 AND action = $2', ['block', 'block.removed']);
    expect(audit.rows).toEqual([{ action: 'block.removed', revision: String(revision), after: null }]);
    await waitFor('block.removed on NATS', async () => (await published()).some((m) => m.revision === revision));
    expect((await published()).find((m) => m.revision === revision)?.change).toEqual({ kind: 'block.removed', blockId: id });
    expect((await api.get('/v1/blocks')).json()).toEqual({ items: [] });
    expect((await api.get('/v1/policies/snapshot')).json()).toMatchObject({ revision, blocks: [] });
    expect((await api.delete(`/v1/blocks/${id}`)).statusCode).toBe(404);
  });

  it('leaves expired blocks out of the list and the snapshot', async () => {
    const short = (await api.post('/v1/blocks', { type: 'ip', value: '198.51.100.7', ttlSeconds: 60, reason: 'brief' })).json<BlockView>();
    const long = (await api.post('/v1/blocks', { type: 'customer', value: 'acme', ttlSeconds: 86_400, reason: 'unpaid' })).json<BlockView>();
    expect((await api.get('/v1/blocks')).json<BlockListView>().items.map((b) => b.id)).toEqual([short.id, long.id]);
    clock.advance(61_000);
    expect((await api.get('/v1/blocks')).json<BlockListView>().items.map((b) => b.id)).toEqual([long.id]);
    expect((await api.get('/v1/policies/snapshot')).json<{ blocks: { id: string }[] }>().blocks.map((b) => b.id)).toEqual([long.id]);
  });

  describe('provenance: automatic blocks come from the enforcer role only', () => {
    it('an enforcer key (ENFORCER_API_KEY) creates an automatic block; the audit log names it', async () => {
      const enforcer = api.as(ENFORCER_KEY);
      const created = await enforcer.post('/v1/blocks', { type: 'key', value: 'greedy', ttlSeconds: 300, reason: 'automatic: denied by 5 routes', source: 'automatic' });
      expect(created.statusCode).toBe(201);
      const view = created.json<BlockView>();
      expect(view).toMatchObject({ source: 'automatic', value: 'greedy', createdBy: 'ENFORCER_API_KEY' });
      expect((await api.get('/v1/blocks')).json<BlockListView>().items.find((b) => b.value === 'greedy')?.source).toBe('automatic');
      const audit = (await api.get('/v1/audit?limit=500')).json<{ items: { action: string; actorName: string; entityId: string }[] }>().items;
      expect(audit.filter((entry) => entry.entityId === view.id)).toEqual([expect.objectContaining({ action: 'block.added', actorName: 'ENFORCER_API_KEY' })]);
    });

    it.each([
      ['an admin', () => api, 'only the enforcer role creates automatic blocks; the key "ADMIN_TOKEN" has admin'],
      ['an editor', () => api.as(editorToken), 'only the enforcer role creates automatic blocks; the key "blocks editor" has editor'],
    ])('%s gets 403 for source automatic, and nothing is stored', async (_who, client, message) => {
      const before = await count('blocks');
      const refused = await client().post('/v1/blocks', { type: 'key', value: 'framed', ttlSeconds: 60, reason: 'pretending', source: 'automatic' });
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toEqual({ error: 'forbidden', message });
      expect(await count('blocks')).toBe(before);
    });

    it('the enforcer key creates nothing else: operator blocks, removals, listings, policies (403)', async () => {
      const enforcer = api.as(ENFORCER_KEY);
      const operatorBlock = await enforcer.post('/v1/blocks', { type: 'key', value: 'k', ttlSeconds: 60, reason: 'r' });
      expect(operatorBlock.statusCode).toBe(403);
      expect(operatorBlock.json<{ message: string }>().message).toBe('the enforcer role creates automatic blocks only (send "source": "automatic"); the key "ENFORCER_API_KEY" is an enforcer key');
      const { id } = (await api.get('/v1/blocks')).json<BlockListView>().items[0];
      expect((await enforcer.delete(`/v1/blocks/${id}`)).statusCode).toBe(403);
      expect((await enforcer.get('/v1/blocks')).statusCode).toBe(403);
      expect((await enforcer.put('/admin/limits', { customer_id: 'acme', limit: 1, window: 60 })).statusCode).toBe(403);
      expect((await enforcer.get('/v1/policies/snapshot')).statusCode).toBe(200);
    });
  });

  describe('catch-all ranges need "confirm": true; CIDRs are stored as their network', () => {
    it.each([
      ['0.0.0.0/0', 'must be true to block 0.0.0.0/0: it covers every address, wider than the /8 this service accepts for IPv4 without confirmation'],
      ['::/0', 'must be true to block ::/0: it covers every address, wider than the /32 this service accepts for IPv6 without confirmation'],
      ['10.9.8.7/7', 'must be true to block 10.0.0.0/7: it covers 2^25 addresses, wider than the /8 this service accepts for IPv4 without confirmation'],
      ['2001:db8::/31', 'must be true to block 2001:db8::/31: it covers 2^97 addresses, wider than the /32 this service accepts for IPv6 without confirmation'],
    ])('%s without confirm: 422 naming the field, nothing stored', async (value, message) => {
      const before = await count('blocks');
      for (const confirm of [undefined, false]) {
        const refused = await api.post('/v1/blocks', { type: 'cidr', value, ttlSeconds: 60, reason: 'wide', ...(confirm === undefined ? {} : { confirm }) });
        expect(refused.statusCode).toBe(422);
        expect(refused.json()).toMatchObject({ error: 'unprocessable_entity', fields: [{ path: 'confirm', message }] });
      }
      expect(await count('blocks')).toBe(before);
    });

    it('a confirmed catch-all is stored (and can be removed)', async () => {
      const created = await api.post('/v1/blocks', { type: 'cidr', value: '0.0.0.0/0', ttlSeconds: 60, reason: 'incident 42: everything', confirm: true });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ value: '0.0.0.0/0' });
      expect((await api.delete(`/v1/blocks/${created.json<BlockView>().id}`)).statusCode).toBe(204);
    });

    it('confirm must be a boolean', async () => {
      const refused = await api.post('/v1/blocks', { type: 'cidr', value: '0.0.0.0/0', ttlSeconds: 60, reason: 'r', confirm: 'yes' });
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toMatchObject({ fields: [{ path: 'confirm', message: 'must be true or false' }] });
    });

    it.each([
      ['198.51.100.7/24', '198.51.100.0/24'],
      ['2001:DB8:0:0:1::5/64', '2001:db8::/64'],
      ['10.200.1.1/8', '10.0.0.0/8'],
    ])('%s is stored, listed, published and audited as %s', async (given, stored) => {
      const created = await api.post('/v1/blocks', { type: 'cidr', value: given, ttlSeconds: 60, reason: 'normalised' });
      expect(created.statusCode).toBe(201);
      const view = created.json<BlockView>();
      expect(view.value).toBe(stored);
      const revision = Number(created.headers['x-control-revision']);
      await waitFor('block.added on NATS', async () => (await published()).some((m) => m.revision === revision));
      expect((await published()).find((m) => m.revision === revision)?.change).toMatchObject({ kind: 'block.added', block: { value: stored } });
      expect((await pg.query('SELECT value FROM blocks WHERE id = $1', [view.id])).rows).toEqual([{ value: stored }]);
      expect((await pg.query(`SELECT after->>'value' AS value FROM audit_log WHERE entity_id = $1`, [view.id])).rows).toEqual([{ value: stored }]);
    });
  });
});
