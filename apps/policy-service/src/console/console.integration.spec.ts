import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestDatabase, type TestDatabase } from '@rl/testing';
import { ApiClient } from '../testing/api-client';
import { createTestApp, TEST_ADMIN_TOKEN } from '../testing/create-test-app';
import { connectTestNats, deletePolicyChangesStream, testNamespace } from '../testing/nats-streams';
import { CONSOLE_CSP } from './serve-console';

/**
 * The console at `/` (CONSOLE_DIR) next to the API, and GET /v1/global-usage forwarding to the
 * reconciler (RECONCILER_URL). The reconciler here is a plain HTTP server on a free port that
 * answers what each case needs (a good body, a 404, a malformed body, a slow answer); the e2e
 * console suite drives the real one.
 */
describe('console static files and the global-usage proxy (real PostgreSQL and NATS)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let api: ApiClient;
  let consoleDir: string;
  let reconciler: Server;
  let reconcilerUrl: string;
  const namespace = testNamespace();
  const seen: string[] = [];
  let answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();

  const keyView = {
    policyId: 'world',
    key: 'user:42',
    limit: 100,
    windowSeconds: 60,
    windowStart: '2026-11-30T07:00:00.000Z',
    epoch: 7,
    leader: true,
    regions: [
      { region: 'us-east', admitted: 30, denied: 2, allocation: 60, lastReportAt: '2026-11-30T07:00:10.000Z', silent: false },
      { region: 'eu-west', admitted: 5, denied: 0, allocation: 40, lastReportAt: null, silent: true },
    ],
  };

  beforeAll(async () => {
    consoleDir = mkdtempSync(join(tmpdir(), 'rl-console-'));
    mkdirSync(join(consoleDir, 'assets'));
    writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><title>Rate limiter console</title><div id="app"></div>');
    writeFileSync(join(consoleDir, 'assets', 'index-abc123.js'), 'console.log("console")');
    reconciler = createServer((req, res) => {
      seen.push(req.url ?? '');
      answer(req, res);
    });
    await new Promise<void>((resolve) => reconciler.listen(0, '127.0.0.1', resolve));
    reconcilerUrl = `http://127.0.0.1:${(reconciler.address() as AddressInfo).port}`;
    db = await createTestDatabase();
    ({ app } = await createTestApp({
      databaseUrl: db.url,
      namespace,
      env: { CONSOLE_DIR: consoleDir, RECONCILER_URL: reconcilerUrl, RECONCILER_TIMEOUT_MS: '300' },
    }));
    api = new ApiClient(app, TEST_ADMIN_TOKEN);
  });

  afterAll(async () => {
    await app?.close();
    await new Promise<void>((resolve) => (reconciler ? reconciler.close(() => resolve()) : resolve()));
    const nc = await connectTestNats();
    await deletePolicyChangesStream(nc, namespace);
    await nc.close();
    await db?.drop();
    rmSync(consoleDir, { recursive: true, force: true });
  });

  describe('static console', () => {
    it('serves index.html at / without a token, revalidated, with a strict CSP', async () => {
      const page = await api.as(undefined).get('/');
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.body).toContain('Rate limiter console');
      expect(page.headers['cache-control']).toBe('no-cache');
      expect(page.headers['content-security-policy']).toBe(CONSOLE_CSP);
      expect(page.headers['x-frame-options']).toBe('DENY');
      expect((await api.as(undefined).get('/index.html')).statusCode).toBe(200);
    });

    it('serves hashed assets with a long cache lifetime', async () => {
      const asset = await api.as(undefined).get('/assets/index-abc123.js');
      expect(asset.statusCode).toBe(200);
      expect(asset.headers['content-type']).toMatch(/javascript/);
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    });

    it('shadows no API route and answers unknown paths 404 JSON, not the page', async () => {
      expect((await api.as(undefined).get('/v1/policies')).statusCode).toBe(401);
      expect((await api.get('/v1/policies')).statusCode).toBe(200);
      expect((await api.as(undefined).get('/healthz')).statusCode).toBe(200);
      expect((await api.as(undefined).get('/docs/openapi.json')).statusCode).toBe(200);
      expect((await api.as(undefined).get('/metrics')).statusCode).toBe(200);
      for (const path of ['/v1/no-such-route', '/assets/missing.js', '/policies', '/../package.json']) {
        const response = await api.as(undefined).get(path);
        expect(response.statusCode).toBe(404);
        expect(response.body).not.toContain('Rate limiter console');
      }
    });
  });

  describe('GET /v1/global-usage', () => {
    const respond = (status: number, body: unknown): ((req: IncomingMessage, res: ServerResponse) => void) => {
      return (_req, res) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      };
    };

    it('forwards policyId, key and limitName as query parameters and returns the validated per-region view', async () => {
      answer = respond(200, keyView);
      seen.length = 0;
      const response = await api.get('/v1/global-usage?policyId=world&key=user%3A42');
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual(keyView);
      expect(seen).toEqual(['/v1/global/usage?policyId=world&key=user%3A42']);
      seen.length = 0;
      expect((await api.get('/v1/global-usage?policyId=world&key=user%3A42&limitName=minute')).statusCode).toBe(200);
      expect(seen).toEqual(['/v1/global/usage?policyId=world&key=user%3A42&limitName=minute']);
      const badLimit = await api.get('/v1/global-usage?policyId=world&limitName=Per%20Minute');
      expect(badLimit.statusCode).toBe(400);
      expect(badLimit.json()).toMatchObject({ fields: [{ path: 'limitName' }] });
    });

    it('forwards the policy-wide top-keys view when no key is given', async () => {
      const policyView = {
        policyId: 'world',
        limit: 100,
        windowSeconds: 60,
        windowStart: '2026-11-30T07:00:00.000Z',
        epoch: 7,
        keys: [{ key: 'user:42', admitted: 35, denied: 2, regions: [{ region: 'us-east', admitted: 30, denied: 2, allocation: 60 }] }],
      };
      answer = respond(200, policyView);
      seen.length = 0;
      const response = await api.get('/v1/global-usage?policyId=world');
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual(policyView);
      expect(seen).toEqual(['/v1/global/usage?policyId=world']);
    });

    it('needs a token (any role that reads) and validates the query before asking the reconciler', async () => {
      seen.length = 0;
      expect((await api.as(undefined).get('/v1/global-usage?policyId=world')).statusCode).toBe(401);
      const missing = await api.get('/v1/global-usage');
      expect(missing.statusCode).toBe(400);
      expect(missing.json()).toMatchObject({ error: 'validation_failed', fields: [{ path: 'policyId', message: 'is required' }] });
      const bad = await api.get('/v1/global-usage?policyId=World&key=has%20space&extra=1');
      expect(bad.statusCode).toBe(400);
      expect(bad.json<{ fields: { path: string }[] }>().fields.map((f) => f.path).sort()).toEqual(['extra', 'key', 'policyId']);
      expect(seen).toEqual([]);
    });

    it("passes the reconciler's 404 through with its message", async () => {
      answer = respond(404, { error: 'not_found', message: 'no usage for world/user:9 in the current window' });
      const response = await api.get('/v1/global-usage?policyId=world&key=user%3A9');
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({ error: 'not_found', message: 'no usage for world/user:9 in the current window' });
    });

    it.each([
      ['a body of the wrong shape', respond(200, { ...keyView, regions: [{ region: 'us-east', admitted: -1 }] }), /answered an unexpected body: regions\[0\]\.admitted/],
      ['a body that is not JSON', respond(200, '<html>proxy error</html>'), /answered a body that is not a JSON object/],
      ['a 500', respond(500, { error: 'internal', message: 'boom' }), /answered 500: boom/],
      ['no answer in time', () => undefined, /no answer within 300 ms/],
    ])('answers 502 naming the reconciler for %s', async (_name, handler, message) => {
      answer = handler;
      const response = await api.get('/v1/global-usage?policyId=world&key=user%3A42');
      expect(response.statusCode).toBe(502);
      expect(response.json()).toMatchObject({ error: 'bad_gateway', message: expect.stringMatching(message) });
      expect(response.json<{ message: string }>().message).toContain(reconcilerUrl);
    });

    it('answers 502 "unreachable" when nothing listens at RECONCILER_URL', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const other = await createTestApp({
        databaseUrl: db.url,
        namespace,
        waitForNats: false,
        env: { CONSOLE_DIR: join(consoleDir, 'missing'), RECONCILER_URL: closedUrl },
      });
      try {
        const client = new ApiClient(other.app, TEST_ADMIN_TOKEN);
        const response = await client.get('/v1/global-usage?policyId=world');
        expect(response.statusCode).toBe(502);
        expect(response.json()).toEqual({ error: 'bad_gateway', message: `the reconciler at ${closedUrl} is unreachable: connection refused` });
        // Without a built console, / says how to build it instead of a bare 404.
        const page = await client.as(undefined).get('/');
        expect(page.statusCode).toBe(503);
        expect(page.json<{ message: string }>().message).toContain('npm run build');
      } finally {
        await other.app.close();
      }
    });
  });
});
