import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get, Module, Post, Req } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { counterIdentity } from '@rl/limiter-core';
import { createRedisClient, waitForReady, type RedisClient } from '@rl/redis-store';
import { startRedisServer, waitFor, type RedisServerHandle } from '@rl/testing';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Server } from 'node:http';
import { RateLimitClient } from './core/rate-limit-client';
import { rateLimitMiddleware } from './express/rate-limit-middleware';
import { rateLimitPlugin } from './fastify/rate-limit-plugin';
import { RequestLimiter, settleRequest } from './http/request-limiter';
import { RateLimit } from './nest/rate-limit.decorator';
import { RateLimitModule } from './nest/rate-limit.module';
import { startEnforcerFromSource, type EnforcerFromSource } from './testing/start-enforcer';

/**
 * Each adapter in a real app on loopback, asking the real enforcer (remote mode) or deciding with
 * a real redis-server (library mode): the contract's headers on every response, 429 with
 * Retry-After past the limit, trusted X-Forwarded-For only.
 */

let redis: RedisServerHandle;
let enforcer: EnforcerFromSource;
let client: RateLimitClient;
let run = 0;
const cleanups: (() => Promise<void> | void)[] = [];

/** One request in flight at a time for customer `cc-client` (its concurrency policy), with 30 s leases. */
const CONCURRENCY_POLICIES = {
  policies: [{ id: 'one-in-flight', match: { customerId: 'cc-client' }, algorithm: 'concurrency', limit: 1, leaseSeconds: 30 }],
  overrides: [],
  customers: {},
};

beforeAll(async () => {
  redis = await startRedisServer();
  const policyFile = join(mkdtempSync(join(tmpdir(), 'rl-client-')), 'policies.json');
  writeFileSync(policyFile, JSON.stringify(CONCURRENCY_POLICIES));
  enforcer = await startEnforcerFromSource({ redisUrl: redis.url, env: { POLICY_FILE: policyFile } });
  client = new RateLimitClient({ mode: 'remote', enforcerUrl: enforcer.url, timeoutMs: 2_000 });
}, 90_000);

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  client?.close();
  await enforcer?.stop();
  await redis?.stop();
});

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  const json = /^application\/(problem\+)?json/.test(res.headers.get('content-type') ?? '');
  const sent: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    sent[name] = value;
  });
  return { status: res.status, headers: sent, body: json ? (JSON.parse(text) as Record<string, unknown>) : { text } };
}

/** The contract's headers of an allowed response, then of a 429 one. */
function expectContractHeaders(reply: Reply, expected: { policy: string; limit: number; window: number; remaining: number }): void {
  expect(reply.headers).toMatchObject({
    'x-ratelimit-limit': String(expected.limit),
    'x-ratelimit-remaining': String(expected.remaining),
    'ratelimit-policy': `"${expected.policy}";q=${expected.limit};w=${expected.window}`,
  });
  const reset = reply.headers['x-ratelimit-reset'];
  expect(reset).toMatch(/^\d+$/);
  expect(reply.headers.ratelimit).toBe(`"${expected.policy}";r=${expected.remaining};t=${reset}`);
}

/** A denial: 429, the headers, and a quota-exceeded problem (RFC 9457) carrying the decision's fields. */
function expectDenied(reply: Reply, expected: { policy: string; limit: number; window: number }): void {
  expect(reply.status).toBe(429);
  expectContractHeaders(reply, { ...expected, remaining: 0 });
  expect(Number(reply.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(reply.body).toMatchObject({
    type: 'https://iana.org/assignments/http-problem-types#quota-exceeded',
    title: expect.any(String),
    status: 429,
    'violated-policies': [expected.policy],
    allowed: false,
    limit: expected.limit,
    remaining: 0,
    policy: { id: expected.policy },
  });
}

async function listenExpress(app: express.Express): Promise<string> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function listenFastify(app: FastifyInstance): Promise<string> {
  cleanups.push(() => app.close());
  return app.listen({ port: 0, host: '127.0.0.1' });
}

describe('Express middleware', () => {
  it('sends the contract headers and denies with 429 past the limit', async () => {
    const limiter = new RequestLimiter({ client });
    const app = express();
    const window = 60 + ++run;
    app.get('/items/:id', rateLimitMiddleware({ limiter, limit: 2, windowSeconds: window, key: (req) => `express:${req.header('x-user')}` }), (_req, res) => {
      res.json({ ok: true });
    });
    const base = await listenExpress(app);
    const replies = [];
    for (let i = 0; i < 3; i++) replies.push(await get(`${base}/items/${i}`, { 'x-user': 'alice' }));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(replies[0].body).toEqual({ ok: true });
    expectContractHeaders(replies[0], { policy: 'inline', limit: 2, window, remaining: 1 });
    expectDenied(replies[2], { policy: 'inline', limit: 2, window });
    expect((await get(`${base}/items/9`, { 'x-user': 'bob' })).status).toBe(200);
  });

  it('believes X-Forwarded-For only from trusted proxies', async () => {
    const window = 60 + ++run;
    const routes = (trustedProxies: string[]): express.Express => {
      const app = express();
      app.use(rateLimitMiddleware({ limiter: new RequestLimiter({ client, trustedProxies }), limit: 1, windowSeconds: window }));
      app.get('/', (_req, res) => {
        res.send('ok');
      });
      return app;
    };
    // The test's own connection comes from 127.0.0.1: a trusted proxy here, an untrusted client there.
    const behindProxy = await listenExpress(routes(['127.0.0.1/32']));
    expect((await get(behindProxy, { 'x-forwarded-for': '203.0.113.10' })).status).toBe(200);
    expect((await get(behindProxy, { 'x-forwarded-for': '203.0.113.10' })).status).toBe(429);
    expect((await get(behindProxy, { 'x-forwarded-for': '203.0.113.11' })).status).toBe(200);
    // A client prepending a forged address is still counted as the address the proxy appended.
    expect((await get(behindProxy, { 'x-forwarded-for': '198.51.100.99, 203.0.113.10' })).status).toBe(429);

    // No trusted proxy: the header is ignored and the identity is the socket address.
    const exposed = await listenExpress(routes([]));
    expect((await get(exposed, { 'x-forwarded-for': '203.0.113.20' })).status).toBe(200);
    expect((await get(exposed, { 'x-forwarded-for': '203.0.113.21' })).status).toBe(429);
  });
});

describe('Fastify plugin', () => {
  it('limits every route, honours per-route config, and denies with 429 past the limit', async () => {
    const window = 60 + ++run;
    const app = Fastify();
    await app.register(rateLimitPlugin, { limiter: new RequestLimiter({ client }), limit: 3, windowSeconds: window, key: (req) => `fastify:${String(req.headers['x-user'])}` });
    app.get('/cheap', async () => ({ ok: true }));
    app.get('/expensive', { config: { rateLimit: { cost: 2 } } }, async () => ({ ok: true }));
    app.get('/free', { config: { rateLimit: false } }, async () => ({ ok: true }));
    const base = await listenFastify(app);

    const first = await get(`${base}/expensive`, { 'x-user': 'carol' });
    expect(first.status).toBe(200);
    expectContractHeaders(first, { policy: 'inline', limit: 3, window, remaining: 1 });
    const second = await get(`${base}/cheap`, { 'x-user': 'carol' });
    expectContractHeaders(second, { policy: 'inline', limit: 3, window, remaining: 0 });
    expectDenied(await get(`${base}/cheap`, { 'x-user': 'carol' }), { policy: 'inline', limit: 3, window });
    const free = await get(`${base}/free`, { 'x-user': 'carol' });
    expect(free.status).toBe(200);
    expect(free.headers['x-ratelimit-limit']).toBeUndefined();
  });

  it('in library mode, decides against Redis with a policy given in code', async () => {
    const redisClient: RedisClient = createRedisClient({ url: redis.url }, { commandTimeoutMs: 1_000 });
    cleanups.push(() => redisClient.disconnect());
    await waitForReady(redisClient, 10_000);
    const library = new RateLimitClient({ mode: 'library', redis: redisClient, policies: [{ id: `lib-${++run}`, algorithm: 'fixed_window', limit: 2, windowSeconds: 60 }] });
    await library.warmUp();
    const app = Fastify();
    await app.register(rateLimitPlugin, { limiter: new RequestLimiter({ client: library }) });
    app.get('/', async () => 'ok');
    const base = await listenFastify(app);
    const replies = [await get(base), await get(base), await get(base)];
    expect(replies.map((r) => r.status)).toEqual([200, 200, 429]);
    expectDenied(replies[2], { policy: `lib-${run}`, limit: 2, window: 60 });
    // The identity `ip:127.0.0.1` is stored in its compact form (limiter-core ip-identity.ts).
    expect(await redisClient.keys(`rl:{lib-${run}:*`)).toEqual([`rl:{lib-${run}:${counterIdentity('ip:127.0.0.1')}}:fw`]);
  });
});

@Controller('nest')
class LimitedController {
  @Get('plain')
  plain(): { ok: true } {
    return { ok: true };
  }

  @Post('heavy')
  @RateLimit({ cost: 3 })
  heavy(): { ok: true } {
    return { ok: true };
  }

  @Get('open')
  @RateLimit({ skip: () => true })
  open(): { ok: true } {
    return { ok: true };
  }
}

describe('Nest RateLimitGuard', () => {
  it('guards every handler globally, applies @RateLimit per handler, and answers 429 with the headers', async () => {
    const window = 60 + ++run;
    @Module({
      imports: [
        RateLimitModule.forRoot({
          client: { mode: 'remote', enforcerUrl: enforcer.url, timeoutMs: 2_000 },
          global: true,
          defaults: { limit: 4, windowSeconds: window, key: (req) => `nest:${String(req.headers['x-user'])}` },
        }),
      ],
      controllers: [LimitedController],
    })
    class LimitedAppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [LimitedAppModule] }).compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    await app.init();
    cleanups.push(() => app.close());
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;

    const plain = await get(`${url}/nest/plain`, { 'x-user': 'dave' });
    expect(plain.status).toBe(200);
    expectContractHeaders(plain, { policy: 'inline', limit: 4, window, remaining: 3 });
    const heavyRes = await fetch(`${url}/nest/heavy`, { method: 'POST', headers: { 'x-user': 'dave' } });
    expect(heavyRes.status).toBe(201);
    expect(heavyRes.headers.get('x-ratelimit-remaining')).toBe('0');
    const denied = await get(`${url}/nest/plain`, { 'x-user': 'dave' });
    expectDenied(denied, { policy: 'inline', limit: 4, window });
    expect(denied.body).toMatchObject({ region: 'us-east', retryAfterSeconds: expect.any(Number) });
    expect((await get(`${url}/nest/open`, { 'x-user': 'dave' })).status).toBe(200);
    expect((await get(`${url}/nest/plain`, { 'x-user': 'erin' })).status).toBe(200);
  });

  it('fails closed with 503 and Retry-After when the enforcer is unreachable', async () => {
    @Module({
      imports: [RateLimitModule.forRoot({ client: { mode: 'remote', enforcerUrl: 'http://127.0.0.1:1', failureMode: 'closed' }, global: true })],
      controllers: [LimitedController],
    })
    class ClosedAppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [ClosedAppModule] }).compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    await app.init();
    cleanups.push(() => app.close());
    await app.getHttpAdapter().getInstance().ready();
    const res = await app.inject({ method: 'GET', url: '/nest/plain' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ type: 'https://iana.org/assignments/http-problem-types#temporary-reduced-capacity', status: 503, allowed: false, degraded: true });
  });
});

/** A chat completion whose usage is known only once the handler has answered. */
@Controller('llm')
class CompletionController {
  @Post('complete')
  @RateLimit({ cost: 500, actualCost: (result) => (result as { usage: { total_tokens: number } }).usage.total_tokens })
  complete(@Req() request: { headers: Record<string, string | undefined> }): { usage: { total_tokens: number } } {
    return { usage: { total_tokens: Number(request.headers['x-tokens']) } };
  }
}

describe('settling the actual cost after the handler', () => {
  const limit = 1_000;
  const remainingOf = async (key: string) => {
    // A dry run of cost 1 reports what would be left after it.
    const res = await fetch(`${enforcer.url}/v1/check`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key, limit, windowSeconds: 3_600, dryRun: true }),
    });
    return ((await res.json()) as { remaining: number }).remaining + 1;
  };

  it('Express: the handler settles its request from req', async () => {
    const key = `express-settle:${++run}`;
    const limiter = new RequestLimiter({ client });
    const app = express();
    app.post('/complete', rateLimitMiddleware({ limiter, limit, windowSeconds: 3_600, cost: 300, settle: true, key: () => key }), (req, res, next) => {
      settleRequest(req, 120)
        .then((settled) => res.json(settled))
        .catch(next);
    });
    const base = await listenExpress(app);
    const reply = await fetch(`${base}/complete`, { method: 'POST' });
    expect(await reply.json()).toEqual({ status: 'settled', remaining: 880, resetSeconds: expect.any(Number), actualCost: 120 });
    expect(await remainingOf(key)).toBe(880);
  });

  it('Fastify: the handler settles its request, into debt past the limit', async () => {
    const key = `fastify-settle:${++run}`;
    const app = Fastify();
    await app.register(rateLimitPlugin, { limiter: new RequestLimiter({ client }), limit, windowSeconds: 3_600, cost: 10, settle: true, key: () => key });
    app.post('/complete', async (request) => settleRequest(request, 1_500));
    const base = await listenFastify(app);
    const reply = await fetch(`${base}/complete`, { method: 'POST' });
    expect(await reply.json()).toMatchObject({ status: 'settled', remaining: 0, actualCost: 1_500 });
    expect((await fetch(`${base}/complete`, { method: 'POST' })).status).toBe(429);
  });

  it('Nest: @RateLimit({ actualCost }) settles from the handler result', async () => {
    const key = `nest-settle:${++run}`;
    @Module({
      imports: [RateLimitModule.forRoot({ client: { mode: 'remote', enforcerUrl: enforcer.url, timeoutMs: 2_000 }, global: true, defaults: { limit, windowSeconds: 3_600, key: () => key } })],
      controllers: [CompletionController],
    })
    class CompletionAppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [CompletionAppModule] }).compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    await app.init();
    cleanups.push(() => app.close());
    await app.getHttpAdapter().getInstance().ready();
    const res = await app.inject({ method: 'POST', url: '/llm/complete', headers: { 'x-tokens': '42' } });
    expect(res.statusCode).toBe(201);
    // The estimate of 500 was checked, then 42 settled: 958 left.
    expect(res.headers['x-ratelimit-remaining']).toBe('500');
    expect(await remainingOf(key)).toBe(958);
  });
});

/** A handler that stays in flight until the test lets it finish. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

describe('requests in flight (concurrency: true)', () => {
  const options = { limit: 1_000, windowSeconds: 3_600, customerId: 'cc-client', concurrency: true } as const;

  it('Express: holds a lease while in flight, 429 beside it, released when the response finishes or the client aborts', async () => {
    const key = `express-cc:${++run}`;
    const limiter = new RequestLimiter({ client });
    let held = gate();
    let entered = 0;
    const app = express();
    app.get('/slow', rateLimitMiddleware({ limiter, ...options, key: () => key }), (_req, res, next) => {
      entered += 1;
      held.wait.then(() => res.json({ ok: true })).catch(next);
    });
    const base = await listenExpress(app);
    const first = fetch(`${base}/slow`);
    await waitFor('the first request in its handler', () => Promise.resolve(entered === 1), 5_000);
    const denied = await get(`${base}/slow`);
    expect(denied.status).toBe(429);
    expect(denied.body).toMatchObject({ allowed: false, policy: { id: 'one-in-flight' } });
    held.open();
    expect((await first).status).toBe(200);

    // Released on finish: the next request gets the slot; then its client aborts.
    held = gate();
    const controller = new AbortController();
    const aborted = fetch(`${base}/slow`, { signal: controller.signal }).catch((error: unknown) => error);
    await waitFor('the second request in its handler', () => Promise.resolve(entered === 2), 5_000);
    expect((await get(`${base}/slow`)).status).toBe(429);
    controller.abort();
    await aborted;
    // Released on abort, though the handler never answered: a later request gets into its handler
    // (until the release lands, a request may still be refused with 429).
    const admitted: Promise<Response>[] = [];
    await waitFor(
      'a request to get the aborted one\'s slot',
      async () => {
        const before = entered;
        const probe = fetch(`${base}/slow`);
        const denied = await Promise.race([probe.then((r) => r.status === 429), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 500))]);
        if (!denied && entered > before) admitted.push(probe);
        return admitted.length > 0;
      },
      10_000,
    );
    held.open();
    expect((await admitted[0]).status).toBe(200);
  });

  it('Fastify: releases the lease when the handler fails', async () => {
    const key = `fastify-cc:${++run}`;
    const app = Fastify();
    await app.register(rateLimitPlugin, { limiter: new RequestLimiter({ client }), ...options, key: () => key });
    app.get('/fails', async () => {
      throw new Error('handler failed');
    });
    const base = await listenFastify(app);
    for (let i = 0; i < 3; i++) expect((await get(`${base}/fails`)).status).toBe(500);
  });

  it('Nest: the guard holds a lease per request and releases it after the response', async () => {
    const key = `nest-cc:${++run}`;
    @Module({
      imports: [RateLimitModule.forRoot({ client: { mode: 'remote', enforcerUrl: enforcer.url, timeoutMs: 2_000 }, global: true, defaults: { ...options, key: () => key } })],
      controllers: [LimitedController],
    })
    class InFlightAppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [InFlightAppModule] }).compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    await app.init();
    cleanups.push(() => app.close());
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    // One at a time, each released once answered: all pass.
    for (let i = 0; i < 3; i++) expect((await get(`${url}/nest/plain`)).status).toBe(200);
  });
});
