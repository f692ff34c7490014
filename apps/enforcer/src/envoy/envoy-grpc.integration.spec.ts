import { status, type ServiceError } from '@grpc/grpc-js';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Block, Policy, PolicyDocument } from '@rl/contracts';
import { freePort, startRedisServer, waitFor, type RedisServerHandle } from '@rl/testing';
import { Redis } from 'ioredis';
import { createServer, type Server } from 'node:net';
import { PolicySource, type ActivePolicies } from '../policies/policy-source';
import { snapshotFromDocument } from '../policies/snapshot-from-document';
import { createTestApp } from '../testing/create-test-app';
import { RlsTestClient, type RlsRequestInput, type RlsResponse } from '../testing/envoy-rls-client';

const policy = (overrides: Partial<Policy> & Pick<Policy, 'id' | 'match'>): Policy => ({
  algorithm: 'fixed_window',
  limit: 3,
  windowSeconds: 60,
  burst: 3,
  scope: 'regional',
  failureMode: 'open',
  mode: 'enforce',
  version: 1,
  ...overrides,
});

const document: PolicyDocument = {
  policies: [
    // Windows of an hour or more: fixed windows restart on the hour, which a test run is unlikely to straddle.
    policy({ id: 'free-tier', match: { customerTier: 'free' }, windowSeconds: 3600, version: 4 }),
    policy({ id: 'search', match: { route: '/v1/search', method: 'GET' }, limit: 2, burst: 2, windowSeconds: 7200 }),
    policy({ id: 'closed-tier', match: { customerTier: 'closed' }, failureMode: 'closed' }),
  ],
  overrides: [],
  customers: { acme: { tier: 'free' }, fortknox: { tier: 'closed' } },
};

const blocks: Block[] = [
  {
    id: '00000000-0000-4000-8000-000000000001',
    type: 'key',
    value: 'user:blocked',
    expiresAt: new Date(Date.now() + 600_000).toISOString(),
    reason: 'abuse',
    source: 'operator',
  },
  {
    id: '00000000-0000-4000-8000-000000000002',
    type: 'cidr',
    value: '203.0.113.0/24',
    expiresAt: new Date(Date.now() + 600_000).toISOString(),
    reason: 'abuse',
    source: 'operator',
  },
];

/** The policies above and two blocks, as a control plane would deliver them. */
class FixedSource extends PolicySource {
  private readonly snapshot: ActivePolicies = { ...snapshotFromDocument(document, 'r1'), blocks };
  current(): ActivePolicies {
    return this.snapshot;
  }
  subscribe(): () => void {
    return () => undefined;
  }
  notReadyReason(): undefined {
    return undefined;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Decisions made so far, by any policy: a request refused before any check leaves this unchanged. */
async function decisionsSoFar(app: NestFastifyApplication, filter: (line: string) => boolean = () => true): Promise<number> {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  return text
    .split('\n')
    .filter((line) => line.startsWith('rl_decisions_total{') && filter(line))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

const headersOf = (response: RlsResponse): Record<string, string> => Object.fromEntries(response.response_headers_to_add.map((h) => [h.key, h.value]));

async function grpcError(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('the call succeeded');
}

describe("Envoy's rate-limit gRPC service against a real redis-server", () => {
  let redis: RedisServerHandle | undefined;
  let app: NestFastifyApplication | undefined;
  let client: RlsTestClient;
  let grpcPort: number;
  const unique = `${Date.now().toString(36)}${process.pid.toString(36)}`;

  const ask = (request: RlsRequestInput): Promise<RlsResponse> => client.shouldRateLimit(request);
  const httpCheck = async (payload: object) => {
    const response = await (app as NestFastifyApplication).inject({ method: 'POST', url: '/v1/check', payload });
    return { status: response.statusCode, body: response.json() };
  };

  beforeAll(async () => {
    redis = await startRedisServer();
    grpcPort = await freePort();
    ({ app } = await createTestApp({
      store: 'from-config',
      policies: new FixedSource(),
      env: { REDIS_URL: redis.url, ENVOY_GRPC_PORT: String(grpcPort) },
    }));
    const enforcer = app;
    await waitFor('enforcer ready', async () => (await enforcer.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, 15_000);
    client = new RlsTestClient(`127.0.0.1:${grpcPort}`);
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await app?.close();
    await redis?.stop();
  });

  it('answers OK, then OVER_LIMIT with the contract headers, counting in Redis like POST /v1/check', async () => {
    const key = `user:${unique}`;
    const request: RlsRequestInput = { domain: 'edge', descriptors: [{ entries: [{ key: 'key', value: key }], limit: { requests_per_unit: 2, unit: 'MINUTE' } }] };

    const first = await ask(request);
    expect(first.overall_code).toBe('OK');
    expect(first.statuses).toHaveLength(1);
    expect(first.statuses[0]).toMatchObject({ code: 'OK', current_limit: { name: 'inline', requests_per_unit: 2, unit: 'MINUTE' }, limit_remaining: 1 });
    expect(headersOf(first)).toEqual({
      'x-ratelimit-limit': '2',
      'x-ratelimit-remaining': '1',
      'x-ratelimit-reset': expect.stringMatching(/^\d+$/),
      'ratelimit-policy': '"inline";q=2;w=60',
      ratelimit: expect.stringMatching(/^"inline";r=1;t=\d+$/),
    });
    const probe = new Redis((redis as RedisServerHandle).url);
    try {
      expect(await probe.exists(`rl:{inline:2:60:${key}}:tu`)).toBe(1);
    } finally {
      probe.disconnect();
    }

    // The same key over HTTP shares the counter: the second unit goes, then both APIs deny.
    expect((await httpCheck({ key, limit: 2, windowSeconds: 60 })).status).toBe(200);
    const over = await ask(request);
    expect(over.overall_code).toBe('OVER_LIMIT');
    expect(over.statuses[0]).toMatchObject({ code: 'OVER_LIMIT', limit_remaining: 0 });
    const reset = over.statuses[0].duration_until_reset ?? { seconds: -1, nanos: 0 };
    expect(reset.seconds + reset.nanos / 1e9).toBeGreaterThan(0);
    expect(reset.seconds).toBeLessThanOrEqual(60);
    const headers = headersOf(over);
    expect(Number(headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(headers).toMatchObject({ 'x-ratelimit-remaining': '0', 'ratelimit-policy': '"inline";q=2;w=60' });
    expect((await httpCheck({ key, limit: 2, windowSeconds: 60 })).status).toBe(429);
  });

  it('decides every descriptor and is OVER_LIMIT when any one is', async () => {
    const search = { entries: [{ key: 'user', value: unique }, { key: 'path', value: '/v1/search?q=cats' }, { key: 'method', value: 'GET' }] };
    const customer = { entries: [{ key: 'customer_id', value: 'acme' }, { key: 'key', value: `acme:${unique}` }] };
    const replies: RlsResponse[] = [];
    for (let i = 0; i < 3; i++) replies.push(await ask({ domain: 'edge', descriptors: [customer, search] }));

    expect(replies.map((r) => r.overall_code)).toEqual(['OK', 'OK', 'OVER_LIMIT']);
    expect(replies.map((r) => r.statuses.map((s) => s.code))).toEqual([
      ['OK', 'OK'],
      ['OK', 'OK'],
      ['OK', 'OVER_LIMIT'],
    ]);
    expect(replies[2].statuses[0]).toMatchObject({ current_limit: { name: 'free-tier', requests_per_unit: 3, unit: 'HOUR' }, limit_remaining: 0 });
    // 2 per 2 h is stated as the same rate per day; the headers keep the exact window.
    expect(replies[2].statuses[1]).toMatchObject({ current_limit: { name: 'search', requests_per_unit: 24, unit: 'DAY' }, limit_remaining: 0 });
    expect(headersOf(replies[2])).toMatchObject({ 'ratelimit-policy': '"search";q=2;w=7200', 'x-ratelimit-remaining': '0' });
    // OK answers carry the headers of the descriptor with the fewest remaining.
    expect(headersOf(replies[1])).toMatchObject({ 'ratelimit-policy': '"search";q=2;w=7200', 'x-ratelimit-remaining': '0' });
  });

  it('charges hits_addend as the cost of each descriptor', async () => {
    const descriptor = { entries: [{ key: 'key', value: `bulk:${unique}` }], limit: { requests_per_unit: 10, unit: 'HOUR' } };
    expect((await ask({ domain: 'edge', descriptors: [descriptor], hits_addend: 7 })).statuses[0].limit_remaining).toBe(3);
    const over = await ask({ domain: 'edge', descriptors: [descriptor], hits_addend: 4 });
    expect(over.overall_code).toBe('OVER_LIMIT');
    expect(over.statuses[0].limit_remaining).toBe(3);
  });

  it("charges apply_on_stream_done's hits_addend after the response, never refused, into debt", async () => {
    const key = `llm:${unique}`;
    const entries = [{ key: 'key', value: key }];
    const limit = { requests_per_unit: 100, unit: 'HOUR' as const };
    // The request-time call consumes an estimate of 10 tokens.
    expect((await ask({ domain: 'edge', hits_addend: 10, descriptors: [{ entries, limit }] })).statuses[0]).toMatchObject({ code: 'OK', limit_remaining: 90 });
    // The stream-done call charges the actual 150 tokens to the same counter, though only 90 are left.
    const done = await ask({ domain: 'edge', hits_addend: 150, descriptors: [{ entries: [...entries, { key: 'rl_phase', value: 'stream_done' }], limit }] });
    expect(done.overall_code).toBe('OK');
    expect(done.statuses[0]).toMatchObject({ code: 'OK', limit_remaining: 0 });
    // 160 of 100 used in this hour: the next request is over the limit.
    expect((await ask({ domain: 'edge', descriptors: [{ entries, limit }] })).overall_code).toBe('OVER_LIMIT');
  });

  it("counts a descriptor's own hits_addend instead of the request's, on the first call and on apply_on_stream_done's", async () => {
    const limit = { requests_per_unit: 100, unit: 'HOUR' as const };
    const own = [{ key: 'key', value: `own:${unique}` }];
    const shared = [{ key: 'key', value: `shared:${unique}` }];
    const first = await ask({ domain: 'edge', hits_addend: 10, descriptors: [{ entries: own, limit, hits_addend: { value: 25 } }, { entries: shared, limit }] });
    expect(first.statuses.map((s) => s.limit_remaining)).toEqual([75, 90]);
    const marker = { key: 'rl_phase', value: 'stream_done' };
    const done = await ask({ domain: 'edge', hits_addend: 40, descriptors: [{ entries: [...own, marker], limit, hits_addend: { value: 120 } }, { entries: [...shared, marker], limit }] });
    expect(done.statuses.map((s) => [s.code, s.limit_remaining])).toEqual([
      ['OK', 0],
      ['OK', 50],
    ]);
    // 145 of 100 used by the first key: over the limit; 50 of 100 by the second.
    const after = await ask({ domain: 'edge', descriptors: [{ entries: own, limit }, { entries: shared, limit }] });
    expect(after.statuses.map((s) => s.code)).toEqual(['OVER_LIMIT', 'OK']);
  });

  it('uses a descriptor limit override only where no stored policy matches, as inline limits', async () => {
    const override = { requests_per_unit: 1000, unit: 'SECOND' };
    const stored = await ask({ domain: 'edge', descriptors: [{ entries: [{ key: 'customer', value: 'acme' }, { key: 'key', value: `ovr:${unique}` }], limit: override }] });
    expect(stored.statuses[0].current_limit).toEqual({ name: 'free-tier', requests_per_unit: 3, unit: 'HOUR' });
    const inline = await ask({ domain: 'edge', descriptors: [{ entries: [{ key: 'key', value: `ovr:${unique}` }], limit: override }] });
    expect(inline.statuses[0]).toMatchObject({ current_limit: { name: 'inline', requests_per_unit: 1000, unit: 'SECOND' }, limit_remaining: 999 });
  });

  it('derives the counted key from the domain and entries when no `key` entry is sent', async () => {
    const descriptor = { entries: [{ key: 'generic_key', value: `gk-${unique}` }], limit: { requests_per_unit: 1, unit: 'MINUTE' } };
    expect((await ask({ domain: 'one', descriptors: [descriptor] })).overall_code).toBe('OK');
    expect((await ask({ domain: 'one', descriptors: [descriptor] })).overall_code).toBe('OVER_LIMIT');
    // Another domain is another key.
    expect((await ask({ domain: 'two', descriptors: [descriptor] })).overall_code).toBe('OK');
    // The derived key is the identity the HTTP API sees too.
    expect((await httpCheck({ key: `one|generic_key=gk-${unique}`, limit: 1, windowSeconds: 60 })).status).toBe(429);
  });

  it('answers blocked callers OVER_LIMIT with Retry-After, by key and by the remote address', async () => {
    const enforcer = app as NestFastifyApplication;
    const notBlocked = (line: string): boolean => !line.includes('result="blocked"');
    const before = await decisionsSoFar(enforcer, notBlocked);
    const byKey = await ask({ domain: 'edge', descriptors: [{ entries: [{ key: 'key', value: 'user:blocked' }] }] });
    const byIp = await ask({ domain: 'edge', descriptors: [{ entries: [{ key: 'remote_address', value: '203.0.113.9' }] }] });
    for (const response of [byKey, byIp]) {
      expect(response.overall_code).toBe('OVER_LIMIT');
      expect(response.statuses[0]).toMatchObject({ code: 'OVER_LIMIT', limit_remaining: 0, current_limit: { name: 'blocked', requests_per_unit: 0 } });
      expect(Number(headersOf(response)['retry-after'])).toBeGreaterThan(500);
    }
    // Answered by the block list: no policy decided them.
    expect(await decisionsSoFar(enforcer, notBlocked)).toBe(before);
  });

  it.each<[string, RlsRequestInput, string]>([
    ['no descriptors', { domain: 'edge', descriptors: [] }, 'descriptors must hold at least one descriptor'],
    ['no domain', { domain: '', descriptors: [{ entries: [{ key: 'k', value: 'v' }] }] }, 'domain must be a string of 1 to 255 printable characters'],
    ['a descriptor without entries', { domain: 'edge', descriptors: [{ entries: [{ key: 'k', value: 'v' }] }, { entries: [] }] }, 'descriptors[1].entries must hold at least one entry'],
    ['an empty entry value', { domain: 'edge', descriptors: [{ entries: [{ key: 'k', value: '' }] }] }, 'descriptors[0].entries[0].value must be a string of 1 to 1024 printable characters'],
    ['a bad method', { domain: 'edge', descriptors: [{ entries: [{ key: 'method', value: 'GET /' }] }] }, 'descriptors[0].entries[0].value (method) must be an HTTP method name of 1 to 16 letters'],
    ['an override in years', { domain: 'edge', descriptors: [{ entries: [{ key: 'k', value: 'v' }], limit: { requests_per_unit: 1, unit: 'YEAR' } }] }, 'descriptors[0].limit.unit must be one of SECOND, MINUTE, HOUR, DAY, MONTH (30 days, the longest window), not YEAR'],
    ['hits_addend over 1e9', { domain: 'edge', descriptors: [{ entries: [{ key: 'k', value: 'v' }] }], hits_addend: 2_000_000_000 }, 'hits_addend must be an integer from 0 (one hit) to 1000000000'],
    ["a descriptor's hits_addend over 1e9", { domain: 'edge', descriptors: [{ entries: [{ key: 'k', value: 'v' }] }, { entries: [{ key: 'k', value: 'w' }], hits_addend: { value: 2_000_000_000 } }] }, 'descriptors[1].hits_addend must be an integer from 0 (one hit) to 1000000000'],
  ])('refuses %s with INVALID_ARGUMENT naming the field, deciding nothing', async (_name, request, message) => {
    const enforcer = app as NestFastifyApplication;
    const before = await decisionsSoFar(enforcer);
    const error = await grpcError(ask(request));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toBe(message);
    expect(await decisionsSoFar(enforcer)).toBe(before);
  });

  it('survives bytes that are not a RateLimitRequest, and keeps serving', async () => {
    // A descriptor (field 2) announced as 5 bytes long, of which 1 arrives.
    const error = await grpcError(client.sendRaw(Buffer.from([0x12, 0x05, 0x0a])));
    expect(error.code).toBe(status.INTERNAL);
    const huge = await grpcError(ask({ domain: 'edge', descriptors: [{ entries: [{ key: 'k', value: 'v'.repeat(300_000) }] }] }));
    expect(huge.code).toBe(status.RESOURCE_EXHAUSTED);
    expect((await ask({ domain: 'edge', descriptors: [{ entries: [{ key: 'key', value: `after:${unique}` }] }] })).overall_code).toBe('OK');
  });

  it('counts calls by outcome in /metrics', async () => {
    const metrics = (await (app as NestFastifyApplication).inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/rl_envoy_rls_requests_total\{outcome="OK",service="enforcer"\} [1-9]/);
    expect(metrics).toMatch(/rl_envoy_rls_requests_total\{outcome="OVER_LIMIT",service="enforcer"\} [1-9]/);
    expect(metrics).toMatch(/rl_envoy_rls_requests_total\{outcome="INVALID_ARGUMENT",service="enforcer"\} 8/);
    expect(metrics).toMatch(/rl_decisions_total\{policy="search",region="us-east",result="denied",service="enforcer"\} [1-9]/);
  });

  it('with Redis down: UNAVAILABLE for a fail-closed policy, a degraded OK for a fail-open one; recovers', async () => {
    const enforcer = app as NestFastifyApplication;
    const port = (redis as RedisServerHandle).port;
    await (redis as RedisServerHandle).stop();
    redis = undefined;
    await waitFor('enforcer not ready', async () => (await enforcer.inject({ method: 'GET', url: '/readyz' })).statusCode === 503, 15_000);

    const error = await grpcError(ask({ domain: 'edge', descriptors: [{ entries: [{ key: 'customer', value: 'fortknox' }] }] }));
    expect(error.code).toBe(status.UNAVAILABLE);
    expect(error.details).toBe('descriptors[0]: the counter store is unavailable and policy "closed-tier" fails closed');

    const open = await ask({ domain: 'edge', descriptors: [{ entries: [{ key: 'customer', value: 'acme' }, { key: 'key', value: `down:${unique}` }] }] });
    expect(open.overall_code).toBe('OK');
    // The local bucket's smaller quota: half of 3, at least 1.
    expect(open.statuses[0].current_limit).toEqual({ name: 'free-tier', requests_per_unit: 1, unit: 'HOUR' });

    redis = await startRedisServer({ port });
    await waitFor('enforcer ready again', async () => (await enforcer.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, 15_000);
    const closed = await ask({ domain: 'edge', descriptors: [{ entries: [{ key: 'customer', value: 'fortknox' }, { key: 'key', value: `up:${unique}` }] }] });
    expect(closed.statuses[0]).toMatchObject({ code: 'OK', current_limit: { name: 'closed-tier', requests_per_unit: 3, unit: 'MINUTE' }, limit_remaining: 2 });
  });

  it('stops serving gRPC when the application closes', async () => {
    await (app as NestFastifyApplication).close();
    app = undefined;
    const error = await grpcError(client.shouldRateLimit({ domain: 'edge', descriptors: [{ entries: [{ key: 'k', value: 'v' }] }] }, { deadlineMs: 3_000 }));
    expect([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]).toContain(error.code);
  });
});

describe('Envoy gRPC port in use', () => {
  let blocker: Server | undefined;

  afterEach(async () => {
    await new Promise<void>((resolve) => (blocker === undefined ? resolve() : blocker.close(() => resolve())));
  });

  it('fails the boot naming the variables', async () => {
    const port = await freePort();
    const server = createServer();
    blocker = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    await expect(createTestApp({ env: { ENVOY_GRPC_PORT: String(port) } })).rejects.toThrow(
      new RegExp(`^cannot listen for Envoy rate-limit gRPC on 127\\.0\\.0\\.1:${port} \\(ENVOY_GRPC_HOST, ENVOY_GRPC_PORT\\): `),
    );
  });
});
