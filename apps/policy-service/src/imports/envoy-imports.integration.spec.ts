import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { EnvoyImportView, toFieldErrors, validatePolicySnapshot, type Policy } from '@rl/contracts';
import { envoyRuleId } from '@rl/envoy-config';
import { createTestDatabase, type TestDatabase } from '@rl/testing';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { NatsConnection } from 'nats';
import { ApiClient } from '../testing/api-client';
import { createTestApp, TEST_ADMIN_TOKEN } from '../testing/create-test-app';
import { connectTestNats, deletePolicyChangesStream, readPolicyChanges, testNamespace } from '../testing/nats-streams';

const EDGE = readFileSync(join(__dirname, '..', '..', '..', '..', 'libs', 'envoy-config', 'src', 'fixtures', 'edge.yaml'), 'utf8');
const YAML = { 'content-type': 'application/yaml' };
const URL = '/v1/imports/envoy-ratelimit';

function expectShape(body: unknown): void {
  expect(toFieldErrors(validateSync(plainToInstance(EnvoyImportView, body) as object, { whitelist: true, forbidNonWhitelisted: true }))).toEqual([]);
}

describe('POST /v1/imports/envoy-ratelimit (real PostgreSQL and NATS)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let api: ApiClient;
  let nc: NatsConnection;
  const namespace = testNamespace();
  const remoteAddress = envoyRuleId('edge', [{ key: 'remote_address' }]);
  const blocked = envoyRuleId('edge', [{ key: 'remote_address', value: '10.0.0.66' }]);

  const revisionNow = async (): Promise<number> => Number((await api.get('/v1/policies/snapshot')).json<{ revision: number }>().revision);

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

  it('plans a dry run without writing anything', async () => {
    const before = await revisionNow();
    const plan = await api.post(`${URL}?dryRun=true`, EDGE, YAML);
    expect(plan.statusCode).toBe(200);
    expectShape(plan.json());
    const body = plan.json<{ domain: string; dryRun: boolean; created: Policy[]; changed: Policy[]; deleted: Policy[]; unchanged: string[]; revision?: number }>();
    expect(body).toMatchObject({ domain: 'edge', dryRun: true, changed: [], deleted: [], unchanged: [] });
    expect(body.revision).toBeUndefined();
    expect(body.created).toHaveLength(18);
    expect(body.created[0]).toEqual({
      id: remoteAddress,
      match: { envoy: { domain: 'edge', descriptors: [{ key: 'remote_address' }] } },
      algorithm: 'fixed_window',
      limit: 4,
      windowSeconds: 60,
      burst: 4,
      scope: 'regional',
      failureMode: 'open',
      mode: 'enforce',
      version: 1,
      envoy: { position: 0, rateLimit: 'limited', unit: 'minute', replaces: [], shareThreshold: false, quotaMode: false, detailedMetric: false, valueToMetric: false },
    });
    expect(await revisionNow()).toBe(before);
    expect((await api.get('/v1/policies')).json<{ items: Policy[] }>().items).toEqual([]);
  });

  it('imports a file as versioned policies in ONE revision, audited, in the snapshot and on the stream', async () => {
    const before = await revisionNow();
    const imported = await api.post(URL, EDGE, YAML);
    expect(imported.statusCode).toBe(201);
    const body = imported.json<{ revision: number; created: Policy[] }>();
    expect(body.revision).toBe(before + 1);
    expect(Number(imported.headers['x-control-revision'])).toBe(before + 1);
    expect(body.created).toHaveLength(18);
    expect(await revisionNow()).toBe(before + 1);

    const listed = (await api.get('/v1/policies')).json<{ items: Policy[] }>().items;
    expect(listed.map((p) => p.id).sort()).toEqual(body.created.map((p) => p.id).sort());
    expect((await api.get(`/v1/policies/${blocked}`)).json()).toMatchObject({ limit: 0, windowSeconds: 60, burst: 0, envoy: { rateLimit: 'limited', unit: 'minute' } });

    const snapshot = validatePolicySnapshot((await api.get('/v1/policies/snapshot')).json());
    expect(snapshot.ok && snapshot.value.policies.filter((p) => p.match.envoy?.domain === 'edge')).toHaveLength(18);

    let changes: Awaited<ReturnType<typeof readPolicyChanges>> = [];
    for (let i = 0; i < 100 && !changes.some((c) => c.message.revision === before + 1); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      changes = await readPolicyChanges(nc, namespace);
    }
    const change = changes.find((c) => c.message.revision === before + 1)?.message.change;
    expect(change).toMatchObject({ kind: 'envoy.domain.replaced', domain: 'edge' });
    expect(change?.kind === 'envoy.domain.replaced' && change.policies).toHaveLength(18);

    const audit = (await api.get('/v1/audit?limit=100')).json<{ items: { action: string; entityType: string; entityId: string; revision: number }[] }>().items;
    expect(audit.filter((e) => e.revision === before + 1).map((e) => e.action)).toEqual(expect.arrayContaining(['envoy_domain.imported', 'policy.created']));
    expect(audit.filter((e) => e.revision === before + 1 && e.action === 'policy.created')).toHaveLength(18);
    expect(audit.find((e) => e.action === 'envoy_domain.imported')).toMatchObject({ entityType: 'envoy_domain', entityId: 'edge' });
  });

  it('changes nothing when the same file is imported again', async () => {
    const before = await revisionNow();
    const again = await api.post(URL, EDGE, { 'content-type': 'application/x-yaml; charset=utf-8' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ dryRun: false, created: [], changed: [], deleted: [] });
    expect(again.json<{ unchanged: string[] }>().unchanged).toHaveLength(18);
    expect(await revisionNow()).toBe(before);
  });

  it('re-imports a changed file as one revision: created, changed (new version) and deleted policies', async () => {
    const changedFile = EDGE.replace('rate_limit: { unit: minute, requests_per_unit: 4 }', 'rate_limit: { unit: minute, requests_per_unit: 6 }')
      .replace('  - key: remote_address\n    value: 10.0.0.66\n    rate_limit: { unit: minute, requests_per_unit: 0 }\n', '')
      .concat('  - key: country\n    rate_limit: { unit: hour, requests_per_unit: 50 }\n');
    const plan = (await api.post(`${URL}?dryRun=true`, changedFile, YAML)).json<{ created: Policy[]; changed: Policy[]; deleted: Policy[]; unchanged: string[] }>();
    expect(plan.created.map((p) => p.match.envoy?.descriptors)).toEqual([[{ key: 'country' }]]);
    // The other descriptors move up one position in the file: their policies change too.
    expect(plan.changed.find((p) => p.id === remoteAddress)).toMatchObject({ limit: 6, version: 2 });
    expect(plan.deleted.map((p) => p.id)).toEqual([blocked]);

    const before = await revisionNow();
    const imported = await api.post(URL, changedFile, YAML);
    expect(imported.statusCode).toBe(201);
    expect(imported.json<{ revision: number }>().revision).toBe(before + 1);
    expect(await revisionNow()).toBe(before + 1);
    expect((await api.get(`/v1/policies/${remoteAddress}`)).json()).toMatchObject({ limit: 6, version: 2 });
    expect((await api.get(`/v1/policies/${remoteAddress}/versions`)).json<{ items: { version: number; change: string }[] }>().items.map((v) => [v.version, v.change])).toEqual([
      [1, 'created'],
      [2, 'updated'],
    ]);
    expect((await api.get(`/v1/policies/${blocked}`)).statusCode).toBe(404);
    // Its history stays, and importing it again continues the version numbers.
    expect((await api.get(`/v1/policies/${blocked}/versions`)).statusCode).toBe(200);
    const restored = (await api.post(URL, EDGE, YAML)).json<{ created: Policy[] }>();
    expect(restored.created.find((p) => p.id === blocked)).toMatchObject({ version: 2 });
  });

  it('refuses a bad file with the path inside it, in envoyproxy/ratelimit\'s words, and writes nothing', async () => {
    const before = await revisionNow();
    const bad = await api.post(URL, 'domain: edge\ndescriptors:\n  - key: a\n    rate_limit: { unit: fortnight, requests_per_unit: 1 }\n  - value: b\n', YAML);
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({
      error: 'unprocessable_entity',
      fields: [
        { path: 'descriptors[0].rate_limit.unit', message: "invalid rate limit unit 'fortnight'" },
        { path: 'descriptors[1].key', message: 'descriptor has empty key' },
      ],
    });
    expect((await api.post(URL, "'''", YAML)).json()).toMatchObject({ fields: [{ path: '', message: expect.stringMatching(/^error loading config file: /) }] });
    expect(await revisionNow()).toBe(before);
  });

  it('wants YAML, an editor, and leaves imported policies to imports', async () => {
    expect((await api.post(URL, { domain: 'edge' })).statusCode).toBe(415);
    expect((await api.post(URL, EDGE, { 'content-type': 'text/plain' })).statusCode).toBe(415);
    expect((await api.post(`${URL}?dryRun=maybe`, EDGE, YAML)).json()).toMatchObject({ fields: [{ path: 'dryRun', message: 'must be true or false' }] });
    expect((await api.as(undefined).post(URL, EDGE, YAML)).statusCode).toBe(401);

    const replace = await api.put(`/v1/policies/${remoteAddress}`, { match: { customerTier: 'x' }, algorithm: 'gcra', limit: 1, windowSeconds: 1 }, { 'if-match': '*' });
    expect(replace.statusCode).toBe(409);
    expect(replace.json<{ message: string }>().message).toContain('importing that domain again (POST /v1/imports/envoy-ratelimit)');
    expect((await api.delete(`/v1/policies/${remoteAddress}`)).statusCode).toBe(409);
    expect((await api.post('/v1/policies', { id: 'sneaky', match: { envoy: { domain: 'edge', descriptors: [{ key: 'a' }] } }, algorithm: 'gcra', limit: 1, windowSeconds: 1 })).statusCode).toBe(400);
  });
});
