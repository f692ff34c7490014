import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createLogger } from '@rl/platform';
import { createTestDatabase, type TestDatabase } from '@rl/testing';
import { Client } from 'pg';
import { migrateDatabase, migrationNames, revertMigrations } from '../database/migrations';
import { DatabaseSetupError, openDatabase } from '../database/open-database';
import { ApiClient } from '../testing/api-client';
import { createTestApp, TEST_ADMIN_TOKEN } from '../testing/create-test-app';
import { connectTestNats, deletePolicyChangesStream, testNamespace } from '../testing/nats-streams';
import { ReadinessService } from '@rl/platform/service';

interface OpenApiDocument {
  paths: Record<string, Record<string, { security?: unknown[] }>>;
  components: { schemas: Record<string, { properties: Record<string, Record<string, unknown>>; required?: string[] }>; securitySchemes: Record<string, unknown> };
}

describe('health, metrics and docs', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let api: ApiClient;
  const namespace = testNamespace();

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ app } = await createTestApp({ databaseUrl: db.url, namespace }));
    api = new ApiClient(app, undefined);
  });

  afterAll(async () => {
    await app?.close();
    const nc = await connectTestNats();
    await deletePolicyChangesStream(nc, namespace);
    await nc.close();
    await db?.drop();
  });

  it('is live and ready without a token, and serves Prometheus metrics', async () => {
    expect((await api.get('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await api.get('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', missing: [] });
    await api.as(TEST_ADMIN_TOKEN).post('/v1/tiers', { id: 'free' });
    await api.as(TEST_ADMIN_TOKEN).put('/v1/customers/acme', { tier: 'free' });
    const metrics = await api.get('/metrics');
    expect(metrics.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(metrics.body).toContain('# TYPE rl_outbox_backlog gauge');
    expect(metrics.body).toMatch(/^rl_control_changes_total\{kind="customer.upserted",service="policy-service"\} 1$/m);
    expect(metrics.body).toContain('# TYPE rl_outbox_publish_lag_seconds histogram');
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await api.get('/v1/nothing-here');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: 'not_found' });
  });

  it('serves Swagger UI at /docs from local assets, with the OpenAPI document generated from the DTOs', async () => {
    const html = await api.get('/docs');
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect(html.body).not.toMatch(/https?:\/\/(?!127\.0\.0\.1|localhost)[a-z0-9.-]+\.[a-z]{2,}\/[^"']*\.(js|css)/i);
    for (const asset of ['/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css', '/docs/swagger-ui-init.js']) {
      expect((await api.get(asset)).statusCode).toBe(200);
    }

    const doc = (await api.get('/docs/openapi.json')).json<OpenApiDocument>();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/admin/limits', '/v1/policies', '/v1/policies/snapshot', '/v1/policies/{id}', '/v1/policies/{id}/versions', '/v1/policies/{id}/rollback']),
    );
    expect(doc.components.securitySchemes).toHaveProperty('bearer');
    const scheme = (doc.components.securitySchemes as Record<string, Record<string, unknown>>).bearer;
    expect(scheme).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'opaque', description: expect.stringContaining('Not a JWT') });
    expect(doc.paths['/v1/policies'].post.security).toEqual([{ bearer: [] }]);
    const create = doc.components.schemas.CreatePolicyDto;
    expect(create.required).toEqual(expect.arrayContaining(['id', 'match', 'algorithm']));
    // limit and windowSeconds may be left out when the policy has stacked limits.
    for (const optional of ['burst', 'limit', 'windowSeconds', 'limits']) expect(create.required).not.toContain(optional);
    expect(create.properties.limits).toMatchObject({ type: 'array' });
    expect(create.properties.limit).toMatchObject({ type: 'integer', minimum: 1, maximum: 1_000_000_000 });
    expect(create.properties.windowSeconds).toMatchObject({ type: 'number', minimum: 1, maximum: 2_592_000 });
    expect(create.properties.algorithm).toMatchObject({ enum: ['token_bucket', 'sliding_window', 'fixed_window', 'leaky_bucket', 'gcra', 'sliding_log', 'concurrency'] });
    expect(create.properties.id).toMatchObject({ type: 'string', pattern: '^[a-z0-9-]{1,64}$' });
    expect(create.properties.match).toMatchObject({ $ref: '#/components/schemas/PolicyMatchDto' });
    const setLimit = doc.components.schemas.SetLimitDto;
    expect(setLimit.required).toEqual(expect.arrayContaining(['customer_id', 'limit', 'window']));
    expect(setLimit.properties.window.oneOf).toHaveLength(2);
    expect(doc.components.schemas.PolicyListView.properties.items).toMatchObject({ type: 'array', items: { $ref: '#/components/schemas/PolicyView' } });
    expect(doc.components.schemas.SnapshotView.properties.customers).toMatchObject({
      additionalProperties: { $ref: '#/components/schemas/CustomerAssignmentView' },
    });
  });

  it('turns not-ready as soon as shutdown begins', async () => {
    const other = await createTestApp({ databaseUrl: db.url, namespace });
    const readiness = other.app.get(ReadinessService);
    await readiness.beforeApplicationShutdown();
    expect(await readiness.check()).toEqual({ status: 'not_ready', missing: [{ name: 'shutdown', reason: 'shutting down' }] });
    await other.app.close();
  });
});

describe('migrations', () => {
  const logger = createLogger({ service: 'policy-service', level: 'silent' });

  it('go down and up again, and the service refuses a database without them', async () => {
    const db = await createTestDatabase();
    try {
      const names = await migrationNames(db.url);
      expect(names).toEqual([
        'CreatedControlPlaneTables1795332315413',
        'MadeHistoryAppendOnly1795332315414',
        'CreatedPolicyServiceRole1795332315415',
        'CreatedBlocks1795332315416',
        'CreatedDecisionRollups1796020350198',
        'CreatedTiers1796100000000',
        'RecordedOverrideHistory1796100000001',
        'AddedEscalationSettings1796100000002',
        'AddedRollupSampleStatistics1796100000003',
        'IndexedAuditLogFilters1796100000004',
        'AddedEnforcerApiKeyRole1796100000005',
        'AddedEnvoyRules1796600000413',
        'AddedStackedLimits1796700000016',
        'AllowedConcurrencyPolicies1796700000017',
      ]);
      const reverted = await revertMigrations(db.url);
      expect(reverted).toEqual([...names].reverse());
      await expect(openDatabase({ url: db.url, role: 'rl_policy_service', poolSize: 1 }, logger)).rejects.toThrow(DatabaseSetupError);
      const again = await migrateDatabase({ url: db.url, createDatabase: false });
      expect(again.applied).toEqual(names);
      expect((await migrateDatabase({ url: db.url })).applied).toEqual([]);
      const pg = new Client({ connectionString: db.url });
      await pg.connect();
      try {
        expect((await pg.query('SELECT value FROM control_revision')).rows).toEqual([{ value: '0' }]);
      } finally {
        await pg.end();
      }
    } finally {
      await db.drop();
    }
  });

  it('create the database named in the URL when it is missing', async () => {
    const name = `rl_test_created_${Date.now().toString(36)}`;
    const url = `postgres://postgres@127.0.0.1:5432/${name}`;
    const admin = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
    await admin.connect();
    try {
      const result = await migrateDatabase({ url });
      expect(result).toEqual({ database: name, created: true, applied: await migrationNames(url) });
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    }
  });

  it('names a missing database when the service boots against it', async () => {
    await expect(openDatabase({ url: 'postgres://postgres@127.0.0.1:5432/rl_test_never_created', role: 'rl_policy_service', poolSize: 1 }, logger)).rejects.toThrow(
      /does not exist: run `npm run migrate` first/,
    );
  });
});
