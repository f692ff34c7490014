import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestDatabase, type TestDatabase } from '@rl/testing';
import { Client } from 'pg';
import { ApiClient, type ApiRequest } from '../testing/api-client';
import { createTestApp, TEST_ADMIN_TOKEN } from '../testing/create-test-app';
import { connectTestNats, deletePolicyChangesStream, readPolicyChanges, testNamespace } from '../testing/nats-streams';

const TABLES = ['policies', 'policy_versions', 'customers', 'overrides', 'audit_log', 'outbox', 'api_keys', 'tiers', 'blocks'];
const policy = { id: 'fuzz', match: { customerTier: 'free' }, algorithm: 'token_bucket', limit: 100, windowSeconds: 60 };
const limit = { customer_id: 'acme', limit: 1000, window: 60 };
const json = (value: unknown): string => JSON.stringify(value);
/** A JSON text with one member's raw value replaced (for numbers JSON.stringify cannot write). */
const rawJson = (value: Record<string, unknown>, key: string, raw: string): string => json({ ...value, [key]: '__RAW__' }).replace('"__RAW__"', raw);

interface Case {
  readonly name: string;
  readonly request: ApiRequest;
  readonly status: 400 | 422;
  /** A field path the error must name; omitted for bodies that are not JSON at all. */
  readonly path?: string;
  /** What the error message must say. */
  readonly message?: RegExp;
}

/** A policy body whose `match` holds `depth` nested arrays. */
const deepBody = (depth: number): string => json({ ...policy, match: '__DEEP__' }).replace('"__DEEP__"', `${'['.repeat(depth)}${']'.repeat(depth)}`);
const DEEP_ROUTES: ReadonlyArray<Omit<ApiRequest, 'body'>> = [
  { method: 'POST', url: '/v1/policies' },
  { method: 'PUT', url: '/admin/limits' },
  { method: 'PUT', url: '/v1/policies/existing', headers: { 'if-match': '1' } },
  { method: 'PUT', url: '/v1/customers/acme' },
  { method: 'POST', url: '/v1/blocks' },
  { method: 'POST', url: '/v1/api-keys' },
  { method: 'POST', url: '/v1/policies/existing/rollback' },
];

const post = (body: unknown): ApiRequest => ({ method: 'POST', url: '/v1/policies', body });
const setLimit = (body: unknown): ApiRequest => ({ method: 'PUT', url: '/admin/limits', body });

const CASES: Case[] = [
  // limit
  ...[0, -1, 1.5, '100', 'NaN', null, true, [], {}, 1e10].map((value): Case => ({ name: `policy limit ${json(value)}`, request: post({ ...policy, limit: value }), status: 400, path: 'limit' })),
  { name: 'policy limit 1e309', request: post(rawJson(policy, 'limit', '1e309')), status: 400, path: 'limit' },
  { name: 'policy limit -1e309', request: post(rawJson(policy, 'limit', '-1e309')), status: 400, path: 'limit' },
  { name: 'policy limit 2^53 + 1', request: post(rawJson(policy, 'limit', '9007199254740993')), status: 400, path: 'limit' },
  { name: 'policy limit 1e400 spelled out', request: post(rawJson(policy, 'limit', `1${'0'.repeat(400)}`)), status: 400, path: 'limit' },
  // window, burst, enums
  ...[0, 0.5, -60, 2_592_001, '60', 'NaN'].map((value): Case => ({ name: `windowSeconds ${json(value)}`, request: post({ ...policy, windowSeconds: value }), status: 400, path: 'windowSeconds' })),
  { name: 'windowSeconds 1e309', request: post(rawJson(policy, 'windowSeconds', '1e309')), status: 400, path: 'windowSeconds' },
  ...[0, 1.5, '5', -1].map((value): Case => ({ name: `burst ${json(value)}`, request: post({ ...policy, burst: value }), status: 400, path: 'burst' })),
  { name: 'unknown algorithm', request: post({ ...policy, algorithm: 'magic' }), status: 400, path: 'algorithm' },
  { name: 'algorithm of the wrong type', request: post({ ...policy, algorithm: 1 }), status: 400, path: 'algorithm' },
  { name: 'unknown scope', request: post({ ...policy, scope: 'planet' }), status: 400, path: 'scope' },
  { name: 'unknown failureMode', request: post({ ...policy, failureMode: 'ajar' }), status: 400, path: 'failureMode' },
  { name: 'unknown mode', request: post({ ...policy, mode: 'loud' }), status: 400, path: 'mode' },
  // id and match
  ...['Bad Id', '', 'x'.repeat(65), 'ü'].map((value): Case => ({ name: `id ${json(value)}`, request: post({ ...policy, id: value }), status: 400, path: 'id' })),
  { name: 'id of the wrong type', request: post({ ...policy, id: 42 }), status: 400, path: 'id' },
  { name: 'no match', request: post({ ...policy, match: undefined }), status: 400, path: 'match' },
  { name: 'empty match', request: post({ ...policy, match: {} }), status: 400, path: 'match' },
  { name: 'match of the wrong type', request: post({ ...policy, match: 'free' }), status: 400, path: 'match' },
  { name: 'tier and customer id together', request: post({ ...policy, match: { customerTier: 'free', customerId: 'acme' } }), status: 400, path: 'match' },
  { name: 'bad method', request: post({ ...policy, match: { method: 'GET /' } }), status: 400, path: 'match.method' },
  { name: 'control character in a route', request: post({ ...policy, match: { route: '/a\u0000b' } }), status: 400, path: 'match.route' },
  { name: 'unknown match field', request: post({ ...policy, match: { customerTier: 'free', colour: 'red' } }), status: 400, path: 'match.colour' },
  { name: 'unknown top-level field', request: post({ ...policy, createdBy: 'me' }), status: 400, path: 'createdBy' },
  // Prototype members are refused by the body parser, naming the member (no DTO sees them).
  { name: 'prototype pollution attempt', request: post(rawJson(policy, 'extra', '{"__proto__":{"admin":true}}')), status: 400, path: 'extra.__proto__', message: /"__proto__" member is not allowed/ },
  { name: '__proto__ at the top level', request: setLimit(rawJson(limit, '__proto__', '{"limit":1}')), status: 400, path: '__proto__', message: /"__proto__" member is not allowed/ },
  { name: 'constructor.prototype', request: post(rawJson(policy, 'constructor', '{"prototype":{"admin":true}}')), status: 400, path: 'constructor.prototype' },
  // Nesting deeper than the parser's limit: 400 before parsing, on every admin route with a body.
  ...DEEP_ROUTES.map((route): Case => ({ name: `${route.method} ${route.url} nested 5,000 deep`, request: { ...route, body: deepBody(5_000) }, status: 400, path: '', message: /deeper than 32 levels/ })),
  ...DEEP_ROUTES.map((route): Case => ({ name: `${route.method} ${route.url} nested 100,000 deep`, request: { ...route, body: deepBody(100_000) }, status: 400, path: '', message: /deeper than 32 levels/ })),
  // bodies that are not objects
  { name: 'array body', request: post([policy]), status: 400, path: '' },
  { name: 'null body', request: post('null'), status: 400, path: '' },
  { name: 'string body', request: post('"policy"'), status: 400, path: '' },
  { name: 'malformed JSON', request: post('{"id": "fuzz",'), status: 400 },
  { name: 'empty JSON body', request: { method: 'POST', url: '/v1/policies', body: '' }, status: 400 },
  // PUT /admin/limits
  ...[0, -5, 'NaN', '1000', 1.5, 1_000_000_001, null].map((value): Case => ({ name: `override limit ${json(value)}`, request: setLimit({ ...limit, limit: value }), status: 400, path: 'limit' })),
  { name: 'override limit 1e309', request: setLimit(rawJson(limit, 'limit', '1e309')), status: 400, path: 'limit' },
  { name: 'override limit above 2^53', request: setLimit(rawJson(limit, 'limit', '18014398509481984')), status: 400, path: 'limit' },
  ...[0, -1, 0.5, 2_592_001, '0s', '31d', '720h1s', 'NaN', '60', 'soon', true, {}].map(
    (value): Case => ({ name: `override window ${json(value)}`, request: setLimit({ ...limit, window: value }), status: 400, path: 'window' }),
  ),
  { name: 'override window 1e309', request: setLimit(rawJson(limit, 'window', '1e309')), status: 400, path: 'window' },
  { name: 'override without customer_id', request: setLimit({ limit: 5, window: 60 }), status: 400, path: 'customer_id' },
  { name: 'override customer_id of the wrong type', request: setLimit({ ...limit, customer_id: 7 }), status: 400, path: 'customer_id' },
  { name: 'override with camelCase customerId', request: setLimit({ customerId: 'acme', limit: 5, window: 60 }), status: 400, path: 'customerId' },
  { name: 'override unknown algorithm', request: setLimit({ ...limit, algorithm: 'fastest' }), status: 400, path: 'algorithm' },
  // customers, rollback, replace
  { name: 'customer tier with a space', request: { method: 'PUT', url: '/v1/customers/acme', body: { tier: 'gold plated' } }, status: 400, path: 'tier' },
  { name: 'customer tier of the wrong type', request: { method: 'PUT', url: '/v1/customers/acme', body: { tier: 1 } }, status: 400, path: 'tier' },
  { name: 'customer with extra field', request: { method: 'PUT', url: '/v1/customers/acme', body: { tier: 'free', vip: true } }, status: 400, path: 'vip' },
  { name: 'customer assigned a tier that does not exist', request: { method: 'PUT', url: '/v1/customers/acme', body: { tier: 'glod' } }, status: 422, path: 'tier' },
  // tiers
  { name: 'tier with a space in its id', request: { method: 'POST', url: '/v1/tiers', body: { id: 'gold plated' } }, status: 400, path: 'id' },
  { name: 'tier with a control character in its description', request: { method: 'POST', url: '/v1/tiers', body: { id: 'gold', description: 'a\u0007b' } }, status: 400, path: 'description' },
  { name: 'tier replaced without a description', request: { method: 'PUT', url: '/v1/tiers/gold', body: {} }, status: 400, path: 'description' },
  { name: 'tier replaced with an id in the path that is no tier name', request: { method: 'PUT', url: '/v1/tiers/gold%20plated', body: { description: '' } }, status: 400, path: 'id' },
  // escalation settings
  ...[-1, 1001, 1.5, '3'].map((value): Case => ({ name: `escalation threshold ${json(value)}`, request: post({ ...policy, escalation: { threshold: value } }), status: 400, path: 'escalation.threshold' })),
  { name: 'escalation window of zero', request: post({ ...policy, escalation: { windowSeconds: 0 } }), status: 400, path: 'escalation.windowSeconds' },
  { name: 'escalation with an unknown field', request: post({ ...policy, escalation: { threshold: 1, forever: true } }), status: 400, path: 'escalation.forever' },
  { name: 'escalation that is no object', request: post({ ...policy, escalation: 'off' }), status: 400, path: 'escalation' },
  { name: 'escalation naming nothing', request: post({ ...policy, escalation: {} }), status: 422, path: 'escalation' },
  { name: 'override escalation block too long', request: setLimit({ ...limit, escalation: { blockSeconds: 86_401 } }), status: 400, path: 'escalation.blockSeconds' },
  // blocks with denials
  {
    name: 'operator block carrying denials',
    request: { method: 'POST', url: '/v1/blocks', body: { type: 'key', value: 'k', ttlSeconds: 60, reason: 'x', denials: [{ policyId: 'p', at: '2026-11-30T00:00:00Z', region: 'us-east' }] } },
    status: 422,
    path: 'denials',
  },
  {
    name: 'automatic block with a malformed denial',
    request: { method: 'POST', url: '/v1/blocks', body: { type: 'key', value: 'k', ttlSeconds: 60, reason: 'x', source: 'automatic', denials: [{ policyId: 'P', at: 'now', region: 'us-east' }] } },
    status: 400,
    path: 'denials[0].policyId',
  },
  { name: 'rollback to "1"', request: { method: 'POST', url: '/v1/policies/existing/rollback', body: { version: '1' } }, status: 400, path: 'version' },
  {
    name: 'replace with limit 0 and a valid If-Match',
    request: { method: 'PUT', url: '/v1/policies/existing', body: { ...policy, id: undefined, limit: 0 }, headers: { 'if-match': '1' } },
    status: 400,
    path: 'limit',
  },
  {
    name: 'replace with a duplicate match',
    request: { method: 'PUT', url: '/v1/policies/existing', body: { ...policy, id: undefined, match: { customerTier: 'taken' } }, headers: { 'if-match': '1' } },
    status: 422,
    path: 'match',
  },
  { name: 'create with a duplicate match', request: post({ ...policy, match: { customerTier: 'taken' } }), status: 422, path: 'match' },
  { name: 'create with a reserved id', request: post({ ...policy, id: 'snapshot' }), status: 422, path: 'id' },
  { name: 'API key with an unknown role', request: { method: 'POST', url: '/v1/api-keys', body: { name: 'x', role: 'root' } }, status: 400, path: 'role' },
];

describe('fuzzed payloads: rejected with the field path, nothing written', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let api: ApiClient;
  let pg: Client;
  const namespace = testNamespace();

  const counts = async (): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    for (const table of TABLES) out[table] = Number((await pg.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    return out;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ app } = await createTestApp({ databaseUrl: db.url, namespace }));
    api = new ApiClient(app, TEST_ADMIN_TOKEN);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    expect((await api.post('/v1/policies', { ...policy, id: 'existing', match: { customerTier: 'existing' } })).statusCode).toBe(201);
    expect((await api.post('/v1/policies', { ...policy, id: 'taken', match: { customerTier: 'taken' } })).statusCode).toBe(201);
  });

  afterAll(async () => {
    await app?.close();
    await pg?.end();
    const nc = await connectTestNats();
    await deletePolicyChangesStream(nc, namespace);
    await nc.close();
    await db?.drop();
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
    const before = await counts();
    const response = await api.send(testCase.request);
    expect(response.statusCode).toBe(testCase.status);
    const body = response.json<{ error: string; message: string; fields?: { path: string; message: string }[] }>();
    expect(typeof body.error).toBe('string');
    expect(typeof body.message).toBe('string');
    if (testCase.path !== undefined) expect(body.fields?.map((f) => f.path)).toContain(testCase.path);
    if (testCase.message !== undefined) expect(body.message).toMatch(testCase.message);
    expect(await counts()).toEqual(before);
  });

  it('published only the two valid changes', async () => {
    const nc = await connectTestNats();
    try {
      let changes: Awaited<ReturnType<typeof readPolicyChanges>> = [];
      for (let i = 0; i < 100 && changes.length < 2; i++) {
        changes = await readPolicyChanges(nc, namespace).catch(() => []);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(changes.map((c) => c.message.revision)).toEqual([1, 2]);
    } finally {
      await nc.close();
    }
  });
});
