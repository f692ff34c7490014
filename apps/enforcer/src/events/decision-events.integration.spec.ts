import { createHash } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { decisionEventsSubject, parseDecisionEventBatch, type DecisionEvent, type Policy } from '@rl/contracts';
import { waitFor } from '@rl/testing';
import { connect, type Msg, type NatsConnection } from 'nats';
import { StaticPolicySource } from '../policies/static-policy-source';
import { TEST_POLICY_KEY } from '../testing/signing-keys';
import { createTestApp } from '../testing/create-test-app';

const NATS_URL = 'nats://127.0.0.1:4222';

/** Events on, without a control plane to talk to: the policy source is replaced, automatic blocks are off. */
function eventEnv(namespace: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    POLICY_SERVICE_URL: 'http://127.0.0.1:1',
    POLICY_SERVICE_TOKEN: 'unused',
    POLICY_SIGNING_PUBLIC_KEYS: TEST_POLICY_KEY.publicKey,
    ESCALATION_THRESHOLD: '0',
    NATS_URL,
    NATS_NAMESPACE: namespace,
    DEFAULT_POLICY_LIMIT: '2',
    EVENTS_SAMPLE_RATE: '1',
    EVENTS_FLUSH_INTERVAL_MS: '50',
    ...extra,
  };
}

/** The events of the batches received, each batch validated as a consumer would. */
function eventsOf(received: readonly Msg[]): DecisionEvent[] {
  return received.flatMap((m) => {
    const parsed = parseDecisionEventBatch(m.data);
    if (!parsed.ok) throw new Error(`invalid batch: ${JSON.stringify(parsed.errors)}`);
    return [...parsed.value.events];
  });
}

async function check(app: NestFastifyApplication, key: string): Promise<number> {
  const response = await app.inject({ method: 'POST', url: '/v1/check', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ key, customerId: 'acme' }) });
  return response.statusCode;
}

describe('decision events from POST /v1/check (real NATS)', () => {
  const namespace = `tev${Math.random().toString(36).slice(2, 10)}`;
  let nc: NatsConnection;

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL, name: 'enforcer decision-event tests' });
  });

  afterAll(async () => {
    await nc?.close();
  });

  it('publishes every decision as a validated batch on <ns>.events.decisions.<region>, with hashed keys only', async () => {
    const received: Msg[] = [];
    const subscription = nc.subscribe(decisionEventsSubject(namespace, 'us-east'), { callback: (_error, message) => received.push(message) });
    await nc.flush();
    const { app } = await createTestApp({ env: eventEnv(namespace), policies: new StaticPolicySource() });
    try {
      // Wait until the publisher is connected: a first decision eventually arrives.
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push(await check(app, 'user:42'));
      expect(statuses).toEqual([200, 200, 429, 429, 429]);
      const events = (): DecisionEvent[] => eventsOf(received);
      await waitFor('5 decision events', async () => events().length >= 5, 20_000);
      const keyHash = createHash('sha256').update('user:42').digest('hex').slice(0, 16);
      expect(events().map((e) => [e.decision, e.keyHash, e.policyId, e.customerId, e.region, e.sampleRate])).toEqual([
        ['allowed', keyHash, 'default', 'acme', 'us-east', 1],
        ['allowed', keyHash, 'default', 'acme', 'us-east', 1],
        ['denied', keyHash, 'default', 'acme', 'us-east', 1],
        ['denied', keyHash, 'default', 'acme', 'us-east', 1],
        ['denied', keyHash, 'default', 'acme', 'us-east', 1],
      ]);
      for (const message of received) {
        expect(new TextDecoder().decode(message.data)).not.toContain('user:42');
        expect(message.headers?.get('Nats-Msg-Id')).toMatch(/^events-us-east-.+-[0-9a-f]{16}-\d+$/);
      }
    } finally {
      await app.close();
      subscription.unsubscribe();
    }
  });

  it('publishes each acquire decision once, as a check does', async () => {
    const received: Msg[] = [];
    const subscription = nc.subscribe(decisionEventsSubject(namespace, 'us-east'), { callback: (_error, message) => received.push(message) });
    await nc.flush();
    const inFlight: Policy = { id: 'in-flight', match: { customerId: 'acme' }, algorithm: 'concurrency', limit: 1, windowSeconds: 30, leaseSeconds: 30, burst: 1, scope: 'regional', failureMode: 'open', mode: 'enforce', version: 4 };
    const { app } = await createTestApp({ env: eventEnv(namespace), policies: new StaticPolicySource({ policies: [inFlight], overrides: [], customers: {} }) });
    try {
      const acquire = async (): Promise<number> => (await app.inject({ method: 'POST', url: '/v1/acquire', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ key: 'user:7', customerId: 'acme' }) })).statusCode;
      expect([await acquire(), await acquire()]).toEqual([200, 429]);
      // A check after the acquires: once its event is in, every acquire event before it is too.
      expect(await check(app, 'user:7')).toBe(200);
      await waitFor('3 decision events', async () => eventsOf(received).length >= 3, 20_000);
      expect(eventsOf(received).map((e) => [e.decision, e.policyId, e.policyVersion, e.customerId])).toEqual([
        ['allowed', 'in-flight', 4, 'acme'],
        ['denied', 'in-flight', 4, 'acme'],
        ['allowed', 'default', expect.any(Number), 'acme'],
      ]);
    } finally {
      await app.close();
      subscription.unsubscribe();
    }
  });

  it('never blocks or fails a check when NATS is unreachable: events beyond the buffer are dropped and counted', async () => {
    const { app, registry } = await createTestApp({
      env: eventEnv(namespace, { NATS_URL: 'nats://127.0.0.1:1', EVENTS_BUFFER_SIZE: '16', DEFAULT_POLICY_LIMIT: '1000000' }),
      policies: new StaticPolicySource(),
    });
    try {
      const statuses = new Set<number>();
      for (let i = 0; i < 300; i++) statuses.add(await check(app, `k${i % 7}`));
      expect([...statuses]).toEqual([200]);
      const text = await registry.metrics();
      expect(text).toMatch(/rl_decision_events_dropped_total\{reason="buffer_full"[^}]*\} 284\b/);
      expect(text).toMatch(/rl_decision_events_buffered\{[^}]*\} 16\b/);
    } finally {
      await app.close();
    }
  });
});
