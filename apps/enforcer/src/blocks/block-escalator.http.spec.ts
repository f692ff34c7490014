import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Policy } from '@rl/contracts';
import { waitFor } from '@rl/devstack';
import { PolicySource, SnapshotListeners, type ActivePolicies, type SnapshotListener } from '../policies/policy-source';
import { createTestApp } from '../testing/create-test-app';
import { TEST_POLICY_KEY } from '../testing/signing-keys';

/** The policies a test sets, published as a control plane would. */
class TestSource extends PolicySource {
  private readonly listeners = new SnapshotListeners();

  constructor(private snapshot: ActivePolicies) {
    super();
  }

  current(): ActivePolicies {
    return this.snapshot;
  }

  subscribe(listener: SnapshotListener): () => void {
    return this.listeners.add(listener);
  }

  notReadyReason(): undefined {
    return undefined;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const policy = (id: string, route: string, escalation?: Policy['escalation']): Policy => ({
  id,
  match: { route },
  algorithm: 'fixed_window',
  limit: 1,
  windowSeconds: 60,
  burst: 1,
  scope: 'regional',
  failureMode: 'open',
  mode: 'enforce',
  version: 1,
  ...(escalation === undefined ? {} : { escalation }),
});

interface BlockRequest {
  readonly authorization: string | undefined;
  readonly body: {
    type: string;
    value: string;
    ttlSeconds: number;
    reason: string;
    source: string;
    denials: { policyId: string; at: string; region: string; route?: string; method?: string; limit?: number; windowSeconds?: number }[];
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Automatic blocks through the real enforcer module graph: denials from POST /v1/check reach the
 * escalator, which posts the block to a real HTTP server standing in for the policy service.
 * Defaults: 3 distinct policies within 60 s block for 120 s.
 */
describe('automatic blocks: escalation per policy, counting distinct policies', () => {
  let app: NestFastifyApplication;
  let server: Server;
  const received: BlockRequest[] = [];
  const source = new TestSource({
    revision: '1',
    policies: [
      policy('search', '/search/**'),
      policy('login', '/login', { threshold: 1, blockSeconds: 900 }),
      policy('quiet', '/quiet', { threshold: 0 }),
      policy('strict-window', '/strict', { windowSeconds: 1 }),
      { ...policy('streams', '/stream', { threshold: 1, blockSeconds: 300 }), algorithm: 'concurrency', leaseSeconds: 60 },
    ],
    overrides: [],
    customerTiers: new Map(),
  });

  beforeAll(async () => {
    server = createServer((request, response) => {
      void readBody(request).then((text) => {
        received.push({ authorization: request.headers.authorization, body: JSON.parse(text) as BlockRequest['body'] });
        response.writeHead(201, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    ({ app } = await createTestApp({
      env: {
        REGION: 'us-east',
        POLICY_SERVICE_URL: `http://127.0.0.1:${port}`,
        POLICY_SERVICE_TOKEN: 'enforcer-token',
        POLICY_SIGNING_PUBLIC_KEYS: TEST_POLICY_KEY.publicKey,
        ESCALATION_THRESHOLD: '3',
        ESCALATION_WINDOW_SECONDS: '60',
        ESCALATION_BLOCK_SECONDS: '120',
      },
      policies: source,
    }));
  });

  afterAll(async () => {
    await app?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    received.length = 0;
  });

  async function check(payload: Record<string, unknown>): Promise<number> {
    const response = await app.inject({ method: 'POST', url: '/v1/check', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
    return response.statusCode;
  }

  /** Spends the key's one request under each payload, then is denied once under each. */
  async function deny(key: string, payloads: Record<string, unknown>[]): Promise<void> {
    for (const payload of payloads) await check({ key, ...payload });
    for (const payload of payloads) expect(await check({ key, ...payload })).toBe(429);
  }

  /** Gives an escalation that should not happen the time it would have taken. */
  const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 200));

  it('does not block a key that one policy denies on many routes, nor one inline limit on many routes', async () => {
    await deny('one-policy', ['/search/a', '/search/b', '/search/c', '/search/d', '/search/e'].map((route) => ({ route, method: 'GET' })));
    await deny('one-inline', ['/a', '/b', '/c', '/d', '/e'].map((route) => ({ route, method: 'GET', limit: 1, windowSeconds: 60 })));
    // Denied again and again by the same inline limit on new routes: still one counter.
    for (const route of ['/f', '/g', '/h']) expect(await check({ key: 'one-inline', route, limit: 1, windowSeconds: 60 })).toBe(429);
    await settle();
    expect(received).toEqual([]);
  });

  it('blocks a key denied by three distinct policies, with the denials that caused it', async () => {
    await deny('three', [{ route: '/search/x', method: 'get' }, { route: '/x', limit: 1, windowSeconds: 60 }, { route: '/y', limit: 1, windowSeconds: 30 }]);
    await waitFor('the block request', async () => received.length > 0, 5_000, 10);
    expect(received).toHaveLength(1);
    const [{ authorization, body }] = received;
    expect(authorization).toBe('Bearer enforcer-token');
    expect(body).toMatchObject({ type: 'key', value: 'three', ttlSeconds: 120, source: 'automatic' });
    expect(body.reason).toBe('automatic: denied by 3 distinct policies within 60 s (region us-east): search, inline 1/60s, inline 1/30s');
    expect(body.denials.map(({ at: _at, ...rest }) => rest)).toEqual([
      { policyId: 'search', route: '/search/x', method: 'GET', region: 'us-east' },
      { policyId: 'inline', route: '/x', limit: 1, windowSeconds: 60, region: 'us-east' },
      { policyId: 'inline', route: '/y', limit: 1, windowSeconds: 30, region: 'us-east' },
    ]);
    for (const { at } of body.denials) expect(Date.now() - Date.parse(at)).toBeLessThan(10_000);
  });

  it("follows the denying policy's own settings: a threshold of one and its own block length", async () => {
    await deny('brute-force', [{ route: '/login', method: 'POST' }]);
    await waitFor('the block request', async () => received.length > 0, 5_000, 10);
    expect(received.map((r) => r.body)).toEqual([expect.objectContaining({ value: 'brute-force', ttlSeconds: 900, reason: 'automatic: denied by 1 distinct policy within 60 s (region us-east): login' })]);
  });

  it('counts a denied acquire toward automatic blocks as a denied check', async () => {
    const acquire = async (): Promise<number> => (await app.inject({ method: 'POST', url: '/v1/acquire', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ key: 'streamer', route: '/stream' }) })).statusCode;
    expect(await acquire()).toBe(200);
    expect(await acquire()).toBe(429);
    await waitFor('the block request', async () => received.length > 0, 5_000, 10);
    expect(received.map((r) => r.body)).toEqual([
      expect.objectContaining({ value: 'streamer', ttlSeconds: 300, reason: 'automatic: denied by 1 distinct policy within 60 s (region us-east): streams' }),
    ]);
    expect(received[0]?.body.denials.map(({ at: _at, ...rest }) => rest)).toEqual([{ policyId: 'streams', route: '/stream', region: 'us-east' }]);
  });

  it('never counts the denials of a policy whose escalation is off', async () => {
    await deny('quiet-user', [{ route: '/quiet' }, { route: '/search/q' }, { route: '/z', limit: 1, windowSeconds: 60 }]);
    await settle();
    expect(received).toEqual([]);
  });

  it("uses the last denier's window: denials older than its window do not count", async () => {
    await deny('slow', [{ route: '/search/s' }, { route: '/w', limit: 1, windowSeconds: 60 }]);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await deny('slow', [{ route: '/strict' }]);
    await settle();
    expect(received).toEqual([]);
  });
});
