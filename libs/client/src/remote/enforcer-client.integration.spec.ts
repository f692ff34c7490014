import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { freePort, startRedisServer, type RedisServerHandle } from '@rl/testing';
import { RateLimitClient } from '../core/rate-limit-client';
import type { DegradedReason } from '../core/decision';
import { rateLimitHeaders } from '../http/rate-limit-headers';
import { startEnforcerFromSource, type EnforcerFromSource } from '../testing/start-enforcer';
import { EnforcerRejectedError } from './enforcer-client';
import { parseCheckReply } from './parse-check-reply';

/** Remote mode against the real enforcer process (from source) and a real redis-server. */

let redis: RedisServerHandle;
let enforcer: EnforcerFromSource;
const servers: (http.Server | net.Server)[] = [];
const clients: RateLimitClient[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  enforcer = await startEnforcerFromSource({ redisUrl: redis.url });
}, 90_000);

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const socket of openSockets) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

afterAll(async () => {
  await enforcer?.stop();
  await redis?.stop();
});

function remote(options: { enforcerUrl: string; failureMode?: 'open' | 'closed'; timeoutMs?: number; maxConcurrency?: number }, reasons?: DegradedReason[]): RateLimitClient {
  const client = new RateLimitClient({
    mode: 'remote',
    timeoutMs: 2_000,
    ...options,
    onDegraded: (event) => reasons?.push(event.reason),
  });
  clients.push(client);
  return client;
}

const openSockets = new Set<net.Socket>();

async function listen<S extends http.Server | net.Server>(server: S): Promise<string> {
  servers.push(server);
  server.on('connection', (socket: net.Socket) => {
    openSockets.add(socket);
    socket.on('close', () => openSockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A TCP relay to the enforcer that counts the connections opened through it. */
async function countingRelay(target: number): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  const relay = net.createServer((inbound) => {
    connections++;
    const outbound = net.connect(target, '127.0.0.1');
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
  });
  return { url: await listen(relay), connections: () => connections };
}

describe('remote mode against the enforcer', () => {
  it('admits up to the limit, then denies with 429 and the enforcer numbers', async () => {
    const client = remote({ enforcerUrl: enforcer.url });
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await client.check({ key: 'remote:allow-deny', limit: 3, windowSeconds: 60 }));
    expect(decisions.map((d) => d.statusCode)).toEqual([200, 200, 200, 429]);
    expect(decisions.map((d) => d.remaining)).toEqual([2, 1, 0, 0]);
    const denied = decisions[3];
    expect(denied).toMatchObject({ allowed: false, limit: 3, policy: { id: 'inline', version: 0 }, region: 'us-east', windowSeconds: 60 });
    expect(denied.retryAfterSeconds).toBeGreaterThan(0);
    expect(denied.degraded).toBeUndefined();
    expect(rateLimitHeaders(denied)).toMatchObject({ 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '0', 'ratelimit-policy': '"inline";q=3;w=60' });
    expect(Number(rateLimitHeaders(denied)['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('formats the same headers as the enforcer sends for the same decision', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${enforcer.url}/v1/check`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key: 'remote:headers', limit: 2, windowSeconds: 30 }),
      });
      const decision = parseCheckReply({ statusCode: res.status, body: await res.json(), policyHeader: res.headers.get('ratelimit-policy') ?? undefined });
      if (decision === undefined) throw new Error(`the enforcer answered ${res.status} without a decision`);
      const names = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'ratelimit-policy', 'ratelimit', 'retry-after'];
      const sent = Object.fromEntries(names.flatMap((name) => (res.headers.has(name) ? [[name, res.headers.get(name)]] : [])));
      expect(rateLimitHeaders(decision)).toEqual(sent);
    }
  });

  it('reuses one keep-alive connection for sequential checks', async () => {
    const relay = await countingRelay(enforcer.port);
    const client = remote({ enforcerUrl: relay.url });
    for (let i = 0; i < 20; i++) expect((await client.check({ key: `remote:keepalive:${i}` })).statusCode).toBe(200);
    expect(relay.connections()).toBe(1);
  });

  it('bounds concurrency: checks beyond maxConcurrency are not queued but get the failure mode', async () => {
    const relay = await countingRelay(enforcer.port);
    const reasons: DegradedReason[] = [];
    const client = remote({ enforcerUrl: relay.url, maxConcurrency: 4 }, reasons);
    const decisions = await Promise.all(Array.from({ length: 10 }, (_, i) => client.check({ key: `remote:burst:${i}` })));
    expect(decisions.filter((d) => d.degraded === undefined)).toHaveLength(4);
    expect(decisions.filter((d) => d.degradedReason === 'overloaded')).toHaveLength(6);
    expect(relay.connections()).toBeLessThanOrEqual(4);
    await new Promise((resolve) => setImmediate(resolve));
    expect(reasons.filter((r) => r === 'overloaded')).toHaveLength(6);
  });
});

describe('remote mode when the enforcer cannot answer', () => {
  it('unreachable: fail-open admits flagged degraded; fail-closed answers 503 with Retry-After', async () => {
    const closedPort = await freePort();
    const url = `http://127.0.0.1:${closedPort}`;
    const open = await remote({ enforcerUrl: url, failureMode: 'open' }).check({ key: 'down', limit: 10, windowSeconds: 60 });
    expect(open).toMatchObject({ statusCode: 200, allowed: true, degraded: true, degradedReason: 'unreachable', limit: 10 });
    const closed = await remote({ enforcerUrl: url, failureMode: 'closed' }).check({ key: 'down' });
    expect(closed).toMatchObject({ statusCode: 503, allowed: false, degraded: true, degradedReason: 'unreachable', retryAfterSeconds: 1 });
    expect(rateLimitHeaders(closed)).toEqual({ 'retry-after': '1' });
  });

  it('too slow: the per-call timeout applies the failure mode, and the late connection is not reused', async () => {
    let accepted = 0;
    const silent = net.createServer((socket) => {
      accepted++;
      socket.on('error', () => undefined);
    });
    const url = await listen(silent);
    for (const failureMode of ['open', 'closed'] as const) {
      const client = remote({ enforcerUrl: url, failureMode, timeoutMs: 100 });
      const started = performance.now();
      const decision = await client.check({ key: 'slow' });
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(decision).toMatchObject({ degraded: true, degradedReason: 'timeout', statusCode: failureMode === 'open' ? 200 : 503 });
      await client.check({ key: 'slow' });
    }
    expect(accepted).toBe(4);
  });

  it('a 5xx without a decision applies the failure mode; a 503 decision is passed on as the enforcer made it', async () => {
    const failing = http.createServer((req, res) => {
      req.resume();
      if (req.headers['content-length'] !== undefined && req.url === '/v1/check') {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal","message":"internal error"}');
      }
    });
    const failingUrl = await listen(failing);
    expect(await remote({ enforcerUrl: failingUrl, failureMode: 'closed' }).check({ key: 'x' })).toMatchObject({ statusCode: 503, degradedReason: 'server-error' });

    const failClosedPolicy = http.createServer((req, res) => {
      req.resume();
      res
        .writeHead(503, { 'content-type': 'application/json', 'ratelimit-policy': '"strict";q=5;w=60', 'retry-after': '1' })
        .end(JSON.stringify({ allowed: false, limit: 5, remaining: 0, resetSeconds: 0, retryAfterSeconds: 1, policy: { id: 'strict', version: 2 }, region: 'eu-west', degraded: true }));
    });
    const decision = await remote({ enforcerUrl: await listen(failClosedPolicy), failureMode: 'open' }).check({ key: 'x' });
    expect(decision).toMatchObject({ statusCode: 503, allowed: false, degraded: true, policy: { id: 'strict', version: 2 }, region: 'eu-west', windowSeconds: 60 });
    expect(decision.degradedReason).toBeUndefined();
  });

  it('a 400 is a programming error, not an outage: it rejects with the field the enforcer named', async () => {
    const strict = http.createServer((req, res) => {
      req.resume();
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad_request","field":"route","message":"route must be a string"}');
    });
    const client = remote({ enforcerUrl: await listen(strict) });
    await expect(client.check({ key: 'x' })).rejects.toThrow(EnforcerRejectedError);
    await expect(client.check({ key: 'x' })).rejects.toMatchObject({ field: 'route' });
  });
});
