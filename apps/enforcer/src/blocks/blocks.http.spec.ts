import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Block } from '@rl/contracts';
import { systemClock } from '@rl/limiter-core';
import type { Registry } from 'prom-client';
import { PolicySource, SnapshotListeners, type ActivePolicies, type SnapshotListener } from '../policies/policy-source';
import { LocalStoreBackend, MemoryDecisionStore, type DecisionFor, type DecisionStore, type StoreRequest } from '@rl/decision-pipeline';
import { createTestApp } from '../testing/create-test-app';

class RecordingStore implements DecisionStore {
  calls = 0;
  private readonly inner = new MemoryDecisionStore({ clock: systemClock });

  decide<R extends StoreRequest>(request: R): Promise<DecisionFor<R>> {
    this.calls += 1;
    return this.inner.decide(request);
  }
}

/** A source whose blocks a test sets, published as a control plane would. */
class BlocksSource extends PolicySource {
  private snapshot: ActivePolicies = { revision: '0', policies: [], overrides: [], customerTiers: new Map(), blocks: [] };
  private readonly listeners = new SnapshotListeners();

  setBlocks(blocks: Block[]): void {
    this.snapshot = { ...this.snapshot, revision: String(Number(this.snapshot.revision) + 1), blocks };
    this.listeners.publish(this.snapshot);
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

const block = (overrides: Partial<Block> & Pick<Block, 'type' | 'value'>): Block => ({
  id: '00000000-0000-4000-8000-000000000001',
  expiresAt: new Date(Date.now() + 30_000).toISOString(),
  reason: 'abuse',
  source: 'operator',
  ...overrides,
});

describe('POST /v1/check with blocks', () => {
  let app: NestFastifyApplication;
  let registry: Registry;
  const store = new RecordingStore();
  const source = new BlocksSource();

  async function post(payload: Record<string, unknown>) {
    const response = await app.inject({ method: 'POST', url: '/v1/check', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
    return { status: response.statusCode, headers: response.headers, body: response.json<Record<string, unknown>>() };
  }

  beforeAll(async () => {
    ({ app, registry } = await createTestApp({ store: new LocalStoreBackend({ store }), policies: source }));
  });

  afterAll(async () => {
    await app.close();
  });

  beforeEach(() => {
    store.calls = 0;
  });

  it('answers 429 blocked with Retry-After, without a counter-store call', async () => {
    source.setBlocks([block({ type: 'key', value: 'bad:1' }), block({ id: '00000000-0000-4000-8000-000000000002', type: 'cidr', value: '2001:db8::/32' })]);
    const byKey = await post({ key: 'bad:1', limit: 10, windowSeconds: 60 });
    expect(byKey.status).toBe(429);
    expect(byKey.body).toMatchObject({ allowed: false, blocked: true, remaining: 0, policy: { id: 'blocked', version: 0 }, 'violated-policies': ['blocked'] });
    expect(Number(byKey.headers['retry-after'])).toBeGreaterThanOrEqual(29);
    expect(Number(byKey.headers['retry-after'])).toBeLessThanOrEqual(30);
    const byIp = await post({ key: 'user:7', ip: '2001:db8:1::5' });
    expect(byIp.status).toBe(429);
    expect(byIp.body.blocked).toBe(true);
    expect(store.calls).toBe(0);

    const metrics = await registry.metrics();
    expect(metrics).toMatch(/rl_decisions_total\{[^}]*result="blocked"[^}]*\} 2/);
  });

  it('admits again once the block is removed', async () => {
    source.setBlocks([]);
    const reply = await post({ key: 'bad:1', limit: 10, windowSeconds: 60 });
    expect(reply.status).toBe(200);
    expect(reply.body.blocked).toBeUndefined();
    expect(store.calls).toBe(1);
  });

  it('rejects an ip that is not an IP address with 400 naming the field', async () => {
    const reply = await post({ key: 'k', ip: '10.0.0.256' });
    expect(reply).toMatchObject({ status: 400, body: { field: 'ip', message: 'ip must be an IPv4 or IPv6 address' } });
    expect((await post({ key: 'k', ip: '::1' })).status).toBe(200);
  });
});
