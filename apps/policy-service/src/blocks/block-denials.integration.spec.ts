import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { BlockListView, toFieldErrors } from '@rl/contracts';
import { createTestDatabase, type TestDatabase } from '@rl/testing';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ApiClient } from '../testing/api-client';
import { createTestApp, TEST_ADMIN_TOKEN } from '../testing/create-test-app';
import { connectTestNats, deletePolicyChangesStream, readPolicyChanges, testNamespace } from '../testing/nats-streams';

const ENFORCER_API_KEY = 'test-enforcer-key-0123456789';

/** An automatic block keeps the denials that caused it: listed with the block and in the audit log, not sent to enforcers. */
describe('automatic blocks with their denials (real PostgreSQL and NATS)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let api: ApiClient;
  const namespace = testNamespace();

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ app } = await createTestApp({ databaseUrl: db.url, namespace, env: { ENFORCER_API_KEY } }));
    api = new ApiClient(app, TEST_ADMIN_TOKEN);
  });

  afterAll(async () => {
    await app?.close();
    const nc = await connectTestNats();
    await deletePolicyChangesStream(nc, namespace);
    await nc.close();
    await db?.drop();
  });

  it('stores, lists and audits the denials; enforcers get the block without them', async () => {
    const denials = [
      { policyId: 'search', at: '2026-11-30T10:00:00.000Z', region: 'us-east', route: '/v1/search', method: 'GET', customerId: 'acme' },
      { policyId: 'inline', at: '2026-11-30T10:00:01.000Z', region: 'us-east', route: '/v1/export', limit: 5, windowSeconds: 60 },
      { policyId: 'login', at: '2026-11-30T10:00:02.000Z', region: 'us-east' },
    ];
    const created = await api.as(ENFORCER_API_KEY).post('/v1/blocks', { type: 'key', value: 'user:42', ttlSeconds: 300, reason: 'automatic: denied by 3 distinct policies', source: 'automatic', denials });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ source: 'automatic', denials });

    const listed = (await api.get('/v1/blocks')).json<BlockListView>();
    expect(toFieldErrors(validateSync(plainToInstance(BlockListView, listed) as object, { whitelist: true, forbidNonWhitelisted: true }))).toEqual([]);
    expect(listed.items).toEqual([expect.objectContaining({ value: 'user:42', denials })]);

    const operator = (await api.post('/v1/blocks', { type: 'key', value: 'user:43', ttlSeconds: 300, reason: 'manual' })).json<Record<string, unknown>>();
    expect(operator).not.toHaveProperty('denials');

    const audit = (await api.get(`/v1/audit?entity=block&entityId=${created.json<{ id: string }>().id}`)).json<{ items: { after: { denials?: unknown } }[] }>();
    expect(audit.items[0].after.denials).toEqual(denials);

    const nc = await connectTestNats();
    try {
      let changes: Awaited<ReturnType<typeof readPolicyChanges>> = [];
      for (let i = 0; i < 100 && changes.length < 2; i++) {
        changes = await readPolicyChanges(nc, namespace).catch(() => []);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(changes).toHaveLength(2);
      expect(JSON.stringify(changes[0].message)).not.toContain('denials');
    } finally {
      await nc.close();
    }
  });
});
