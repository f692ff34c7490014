import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { CheckExplanationView, CounterResetView, CountersView, CounterStateView, PolicyChangeMessage } from '@rl/contracts';
import { createTestDatabase, freePort, waitFor, type TestDatabase } from '@rl/testing';
import type { NatsConnection } from 'nats';
import { Client } from 'pg';
import { ApiClient } from '../testing/api-client';
import { createTestApp, TEST_ADMIN_TOKEN } from '../testing/create-test-app';
import { connectTestNats, deletePolicyChangesStream, readPolicyChanges, testNamespace } from '../testing/nats-streams';

const INTERNAL_TOKEN = 'internal-token-0123456789';

interface Seen {
  readonly url: string;
  readonly authorization: string | undefined;
  readonly body: string;
}

/**
 * A stand-in for one region's enforcer on a real port: the internal counter route (with the token
 * check) and the dry-run check, answering as the enforcer does; `answer` replaces the body per test.
 */
class FakeEnforcer {
  readonly seen: Seen[] = [];
  answer: (url: URL, body: string) => { status: number; body: unknown; headers?: Record<string, string> } = () => ({ status: 500, body: {} });
  private server: Server | undefined;

  constructor(readonly region: string) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
  }

  state(overrides: Partial<CounterStateView> = {}): CounterStateView {
    return {
      region: this.region,
      instance: `${this.region}-1`,
      policy: { id: 'gold', version: 2 },
      key: 'user:1',
      algorithm: 'fixed_window',
      scope: 'regional',
      limit: 10,
      used: 3,
      remaining: 7,
      resetSeconds: 12.5,
      leasedUnits: 0,
      denyCached: false,
      ...overrides,
    };
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of request) body += String(chunk);
    this.seen.push({ url: request.url ?? '', authorization: request.headers.authorization, body });
    const url = new URL(request.url ?? '/', 'http://enforcer');
    const answer =
      url.pathname === '/internal/v1/counters' && request.headers.authorization !== `Bearer ${INTERNAL_TOKEN}`
        ? { status: 401, body: { message: 'a valid internal Bearer token is required' } }
        : this.answer(url, body);
    response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    response.end(JSON.stringify(answer.body));
  }
}

describe('counters API: the caller inspector through each region (real PostgreSQL and NATS, enforcers on real ports)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let api: ApiClient;
  let nc: NatsConnection;
  let pg: Client;
  let viewer: ApiClient;
  let editor: ApiClient;
  let refusedUrl: string;
  const namespace = testNamespace();
  const east = new FakeEnforcer('us-east');
  const west = new FakeEnforcer('eu-west');

  beforeAll(async () => {
    await east.start();
    await west.start();
    db = await createTestDatabase();
    // ap-south has no server: its port is refused.
    refusedUrl = `http://127.0.0.1:${await freePort()}`;
    ({ app } = await createTestApp({
      databaseUrl: db.url,
      namespace,
      env: { ENFORCER_URLS: `us-east=${east.url},eu-west=${west.url},ap-south=${refusedUrl}`, ENFORCER_INTERNAL_TOKEN: INTERNAL_TOKEN, ENFORCER_TIMEOUT_MS: '300' },
    }));
    api = new ApiClient(app, TEST_ADMIN_TOKEN);
    viewer = api.as((await api.post('/v1/api-keys', { name: 'inspector viewer', role: 'viewer' })).json<{ token: string }>().token);
    editor = api.as((await api.post('/v1/api-keys', { name: 'inspector editor', role: 'editor' })).json<{ token: string }>().token);
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
    await east.stop();
    await west.stop();
  });

  beforeEach(() => {
    east.seen.length = 0;
    west.seen.length = 0;
  });

  it("shows each region's state, the refused region as unreachable, asking with the internal token and the query as parameters", async () => {
    east.answer = () => ({ status: 200, body: east.state() });
    west.answer = () => ({ status: 200, body: west.state({ used: 1, remaining: 9, leasedUnits: 2, denyCached: true }) });
    const response = await viewer.get('/v1/counters?key=user%3A1&policyId=gold');
    expect(response.statusCode).toBe(200);
    const view = response.json<CountersView>();
    expect(view).toMatchObject({ key: 'user:1', policyId: 'gold' });
    expect(view.regions['us-east']).toEqual(east.state());
    expect(view.regions['eu-west']).toMatchObject({ used: 1, remaining: 9, leasedUnits: 2, denyCached: true });
    expect(view.regions['ap-south']).toEqual({ unreachable: true, reason: 'connection refused' });
    expect(east.seen).toEqual([{ url: '/internal/v1/counters?key=user%3A1&policyId=gold', authorization: `Bearer ${INTERNAL_TOKEN}`, body: '' }]);
  });

  it("passes on a stacked policy's limits and a concurrency policy's leases, validated", async () => {
    const limits = [
      { name: 'plan-minute', limit: 10, used: 4, remaining: 6, resetSeconds: 30 },
      { name: 'plan-month', limit: 1000, used: 4, remaining: 996, resetSeconds: 86_400 },
    ];
    east.answer = () => ({ status: 200, body: east.state({ limits }) });
    west.answer = () => ({ status: 200, body: west.state({ algorithm: 'concurrency', used: 2, remaining: 8, leases: { inFlight: 2, nextExpirySeconds: 12.5 } }) });
    const view = (await viewer.get('/v1/counters?key=user%3A1&policyId=gold')).json<CountersView>();
    expect(view.regions['us-east']).toEqual(east.state({ limits }));
    expect(view.regions['eu-west']).toMatchObject({ algorithm: 'concurrency', used: 2, leases: { inFlight: 2, nextExpirySeconds: 12.5 } });

    east.answer = () => ({ status: 200, body: east.state({ leases: { inFlight: -1, nextExpirySeconds: 0 } }) });
    expect((await viewer.get('/v1/counters?key=user%3A1&policyId=gold')).json<CountersView>().regions['us-east']).toMatchObject({ unreachable: true });
  });

  it('shows a region that answers too late, wrongly or with an error as unreachable, never as zero', async () => {
    east.answer = () => ({ status: 200, body: { ...east.state(), used: 'lots' } });
    west.answer = () => ({ status: 503, body: { message: 'the counter store is unavailable in this region' } });
    const view = (await viewer.get('/v1/counters?customerId=acme')).json<CountersView>();
    expect(view).toMatchObject({ key: 'acme', customerId: 'acme' });
    expect(view.regions['us-east']).toEqual({ unreachable: true, reason: 'answered an unexpected body: used must be a number conforming to the specified constraints' });
    expect(view.regions['eu-west']).toEqual({ unreachable: true, reason: 'answered 503: the counter store is unavailable in this region' });

    const never = createServer(() => undefined);
    await new Promise<void>((resolve) => never.listen(0, '127.0.0.1', resolve));
    const { app: other } = await createTestApp({
      databaseUrl: db.url,
      namespace,
      env: { ENFORCER_URLS: `slow=http://127.0.0.1:${(never.address() as AddressInfo).port}`, ENFORCER_INTERNAL_TOKEN: INTERNAL_TOKEN, ENFORCER_TIMEOUT_MS: '200' },
    });
    try {
      const late = (await new ApiClient(other, TEST_ADMIN_TOKEN).get('/v1/counters?customerId=acme')).json<CountersView>();
      expect(late.regions.slow).toEqual({ unreachable: true, reason: 'no answer within 200 ms' });
    } finally {
      await other.close();
      never.closeAllConnections();
      await new Promise<void>((resolve) => never.close(() => resolve()));
    }
  });

  it('answers 404 when no region has the policy, and shows a region still without it as unreachable while another has it', async () => {
    const missing = { status: 404, body: { error: 'not_found', field: 'policyId', message: 'no policy "nope" is loaded in this region' } };
    east.answer = () => missing;
    west.answer = () => missing;
    const none = await viewer.get('/v1/counters?key=k&policyId=nope');
    expect(none.statusCode).toBe(404);
    expect(none.json()).toMatchObject({ message: 'no policy "nope" is loaded in us-east, eu-west' });
    west.answer = () => ({ status: 200, body: west.state({ policy: { id: 'nope', version: 1 } }) });
    const some = (await viewer.get('/v1/counters?key=k&policyId=nope')).json<CountersView>();
    expect(some.regions['us-east']).toEqual({ unreachable: true, reason: 'no policy "nope" is loaded in this region' });
  });

  it('refuses malformed selectors with the field path, before asking any region', async () => {
    for (const [query, field] of [
      ['', 'key'],
      ['key=k', 'policyId'],
      ['key=k&policyId=Not_A_Slug', 'policyId'],
      ['customerId=a%0Ab', 'customerId'],
      ['customerId=acme&region=us-east', 'region'],
    ] as const) {
      const get = await viewer.get(`/v1/counters?${query}`);
      expect(get.statusCode).toBe(400);
      expect(get.json<{ fields: { path: string }[] }>().fields[0].path).toBe(field);
      const reset = await editor.delete(`/v1/counters?${query}`);
      expect(reset.statusCode).toBe(400);
      expect(reset.json<{ fields: { path: string }[] }>().fields[0].path).toBe(field);
    }
    expect([...east.seen, ...west.seen]).toEqual([]);
  });

  it('resets a counter as one signed-stream change with its audit row naming the actor; viewers may not', async () => {
    expect((await viewer.delete('/v1/counters?key=user%3A1&policyId=gold')).statusCode).toBe(403);
    const response = await editor.delete('/v1/counters?key=user%3A1&policyId=gold');
    expect(response.statusCode).toBe(200);
    const result = response.json<CounterResetView>();
    expect(result.resets).toEqual([{ policyId: 'gold', key: 'user:1' }]);
    expect(response.headers['x-control-revision']).toBe(String(result.revision));
    let published: PolicyChangeMessage[] = [];
    await waitFor('reset published', async () => {
      published = (await readPolicyChanges(nc, namespace)).map((stored) => stored.message);
      return published.some((message) => message.revision === result.revision);
    });
    expect(published.find((message) => message.revision === result.revision)?.change).toEqual({ kind: 'counter.reset', policyId: 'gold', key: 'user:1' });
    const audit = await pg.query<{ actor_name: string; action: string; entity_type: string; entity_id: string; revision: string }>(
      "SELECT actor_name, action, entity_type, entity_id, revision FROM audit_log WHERE action = 'counter.reset' ORDER BY id",
    );
    expect(audit.rows).toEqual([{ actor_name: 'inspector editor', action: 'counter.reset', entity_type: 'counter', entity_id: 'gold:user:1', revision: String(result.revision) }]);
  });

  it("resets a customer's counter under every policy the regions name for it, and refuses when no region names one", async () => {
    east.answer = () => ({ status: 200, body: east.state({ key: 'acme', policy: { id: 'gold', version: 2 } }) });
    west.answer = () => ({ status: 200, body: west.state({ key: 'acme', policy: { id: 'gold-v2', version: 1 } }) });
    const both = await editor.delete('/v1/counters?customerId=acme');
    expect(both.statusCode).toBe(200);
    expect(both.json<CounterResetView>().resets).toEqual([
      { policyId: 'gold', key: 'acme' },
      { policyId: 'gold-v2', key: 'acme' },
    ]);
    east.answer = () => ({ status: 503, body: { message: 'store down' } });
    west.answer = () => ({ status: 503, body: { message: 'store down' } });
    const before = Number((await pg.query<{ n: string }>("SELECT count(*) AS n FROM audit_log WHERE action = 'counter.reset'")).rows[0].n);
    const refused = await editor.delete('/v1/counters?customerId=acme');
    expect(refused.statusCode).toBe(502);
    expect(refused.json()).toMatchObject({
      message: 'no region named the policy of customer acme (us-east: answered 503: store down; eu-west: answered 503: store down; ap-south: connection refused); reset with key and policyId instead',
    });
    expect(Number((await pg.query<{ n: string }>("SELECT count(*) AS n FROM audit_log WHERE action = 'counter.reset'")).rows[0].n)).toBe(before);
  });

  it("explains a check with one region's dry run: status, rate-limit headers and body as the enforcer answered", async () => {
    const decision = { allowed: false, limit: 10, remaining: 0, resetSeconds: 30, retryAfterSeconds: 30, policy: { id: 'gold', version: 2 }, region: 'eu-west', dryRun: true, matched: 'tier-route' };
    west.answer = () => ({ status: 429, body: decision, headers: { 'retry-after': '30', 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '0', 'x-other': 'not passed on' } });
    const response = await viewer.post('/v1/counters/explain', { key: 'user:1', customerId: 'acme', route: '/v1/search', method: 'GET', region: 'eu-west' });
    expect(response.statusCode).toBe(200);
    expect(response.json<CheckExplanationView>()).toEqual({
      region: 'eu-west',
      status: 429,
      headers: { 'retry-after': '30', 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '0' },
      decision,
    });
    expect(west.seen.map((seen) => [seen.url, JSON.parse(seen.body) as unknown])).toEqual([
      ['/v1/check', { key: 'user:1', customerId: 'acme', route: '/v1/search', method: 'GET', dryRun: true }],
    ]);
  });

  it('refuses an explanation with a bad field (400), an unknown region (422), and an enforcer that is unreachable or ignores the dry run (502)', async () => {
    const bad = await viewer.post('/v1/counters/explain', { key: 'k', method: 'G ET' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ fields: { path: string }[] }>().fields[0].path).toBe('method');
    const unknown = await viewer.post('/v1/counters/explain', { key: 'k', region: 'mars' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json()).toMatchObject({ fields: [{ path: 'region', message: 'must be one of the configured regions: us-east, eu-west, ap-south' }] });
    expect((await viewer.post('/v1/counters/explain', { key: 'k', region: 'ap-south' })).json()).toMatchObject({
      error: 'bad_gateway',
      message: `the ap-south enforcer at ${refusedUrl} is unreachable: connection refused`,
    });
    east.answer = () => ({ status: 200, body: { allowed: true } });
    expect((await viewer.post('/v1/counters/explain', { key: 'k' })).statusCode).toBe(502);
  });

  it('answers 503 naming the variables when no enforcers are configured', async () => {
    const { app: bare } = await createTestApp({ databaseUrl: db.url, namespace });
    try {
      const response = await new ApiClient(bare, TEST_ADMIN_TOKEN).get('/v1/counters?customerId=acme');
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({ error: 'not_configured', message: 'no enforcers are configured: set ENFORCER_URLS (region=url, ...) and ENFORCER_INTERNAL_TOKEN' });
    } finally {
      await bare.close();
    }
  });
});
