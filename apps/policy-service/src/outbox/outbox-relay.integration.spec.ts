import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createLogger, generateSigningKeyPair, MessageSigner, MessageVerifier } from '@rl/platform';
import { createTestDatabase, type TestDatabase } from '@rl/testing';
import type { NatsConnection } from 'nats';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../database/open-database';
import { ApiClient } from '../testing/api-client';
import { createTestApp, TEST_ADMIN_TOKEN, TEST_POLICY_SIGNING_KEY } from '../testing/create-test-app';
import { connectTestNats, deletePolicyChangesStream, readPolicyChanges, testNamespace, type StoredChange } from '../testing/nats-streams';
import { nanos, RetentionPolicy, StorageType } from 'nats';
import { encodeSignedEnvelope, parseSignedEnvelope, policyChangeMsgId, policyChangesStream, policyChangesSubject } from '@rl/contracts';
import { OutboxListener } from './outbox-listener';
import { ensurePolicyChangesStream } from './policy-changes-stream';
import { OutboxRelay } from './outbox-relay';

const logger = createLogger({ service: 'policy-service', level: 'silent' });
const signer = MessageSigner.fromText(TEST_POLICY_SIGNING_KEY.privateKey);
const verifier = MessageVerifier.fromText([TEST_POLICY_SIGNING_KEY.publicKey]);

/** The id the relay gives a stored message: its revision and a token of its signature. */
function expectedMsgId(change: StoredChange): string {
  const envelope = parseSignedEnvelope(change.data);
  if (!envelope.ok) throw new Error(`revision ${change.message.revision} is not a signed envelope`);
  return policyChangeMsgId(change.message.revision, envelope.signature);
}
const policy = (id: string): Record<string, unknown> => ({ id, match: { customerTier: id }, algorithm: 'fixed_window', limit: 10, windowSeconds: 60 });

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function changesOn(nc: NatsConnection, namespace: string): Promise<StoredChange[]> {
  try {
    return await readPolicyChanges(nc, namespace);
  } catch (error) {
    if (/stream not found/i.test(String(error))) return [];
    throw error;
  }
}

async function unsent(pg: Client): Promise<number> {
  return Number((await pg.query('SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL')).rows[0].n);
}

describe('outbox relay (real PostgreSQL and NATS JetStream)', () => {
  let nc: NatsConnection;
  const databases: TestDatabase[] = [];
  const namespaces: string[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  async function fresh(): Promise<{ db: TestDatabase; namespace: string; pg: Client }> {
    const db = await createTestDatabase();
    const namespace = testNamespace();
    databases.push(db);
    namespaces.push(namespace);
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    cleanups.push(() => pg.end());
    return { db, namespace, pg };
  }

  async function app(options: Parameters<typeof createTestApp>[0]): Promise<{ app: NestFastifyApplication; api: ApiClient }> {
    const created = await createTestApp(options);
    cleanups.push(() => created.app.close());
    return { app: created.app, api: new ApiClient(created.app, TEST_ADMIN_TOKEN) };
  }

  beforeAll(async () => {
    nc = await connectTestNats();
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    for (const namespace of namespaces) await deletePolicyChangesStream(nc, namespace);
    await nc?.close();
    for (const db of databases) await db.drop();
  });

  it('publishes every change in revision order, each with its Nats-Msg-Id, and marks it sent', async () => {
    const { db, namespace, pg } = await fresh();
    const { api } = await app({ databaseUrl: db.url, namespace });
    expect((await api.post('/v1/policies', policy('free'))).statusCode).toBe(201);
    expect((await api.put('/v1/policies/free', { ...policy('free'), id: undefined, limit: 20 }, { 'if-match': '1' })).statusCode).toBe(200);
    expect((await api.put('/v1/customers/acme', { tier: 'free' })).statusCode).toBe(200);
    expect((await api.put('/admin/limits', { customer_id: 'acme', limit: 7, window: '1h' })).statusCode).toBe(200);
    expect((await api.delete('/admin/limits/acme')).statusCode).toBe(204);
    expect((await api.delete('/v1/customers/acme')).statusCode).toBe(204);
    expect((await api.delete('/v1/policies/free')).statusCode).toBe(204);

    await waitUntil('all seven changes on the stream', async () => (await changesOn(nc, namespace)).length === 7);
    await waitUntil('all rows marked sent', async () => (await unsent(pg)) === 0);
    const changes = await changesOn(nc, namespace);
    expect(changes.map((c) => c.message.revision)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    for (const change of changes) {
      expect(verifier.verify('policy-change', change.data)).toMatchObject({ ok: true, keyId: TEST_POLICY_SIGNING_KEY.keyId });
      expect(change.msgId).toBe(expectedMsgId(change));
      expect(change.msgId).toMatch(new RegExp(`^policy-rev-${change.message.revision}-[A-Za-z0-9_-]{22}$`));
    }
    expect(changes.map((c) => c.message.change.kind)).toEqual([
      'policy.upserted',
      'policy.upserted',
      'customer.upserted',
      'override.upserted',
      'override.deleted',
      'customer.deleted',
      'policy.deleted',
    ]);
    expect(changes[1].message.change).toEqual({
      kind: 'policy.upserted',
      policy: { id: 'free', match: { customerTier: 'free' }, algorithm: 'fixed_window', limit: 20, windowSeconds: 60, burst: 20, scope: 'regional', failureMode: 'open', mode: 'enforce', version: 2 },
    });
    expect(changes[3].message.change).toMatchObject({ kind: 'override.upserted', customerId: 'acme', policy: { limit: 7, windowSeconds: 3600 } });
    for (const change of changes) expect(new Date(change.message.committedAt).toISOString()).toBe(change.message.committedAt);
    // Exactly as typed: no extra fields.
    expect(Object.keys(changes[0].message)).toEqual(['revision', 'committedAt', 'change']);
  });

  it('after a crash between publish and mark, a restarted relay publishes the rest and each revision is on the stream once', async () => {
    const { db, namespace, pg } = await fresh();
    let crashes = 0;
    const crashing = await app({
      databaseUrl: db.url,
      namespace,
      relayHooks: {
        afterPublish: () => {
          crashes++;
          throw new Error('simulated crash after publish, before mark');
        },
      },
    });
    for (const id of ['a', 'b', 'c']) expect((await crashing.api.post('/v1/policies', policy(id))).statusCode).toBe(201);
    await waitUntil('the relay to publish and crash twice', async () => crashes >= 2);
    await crashing.app.close();

    expect(await unsent(pg)).toBe(3);
    const afterCrash = await changesOn(nc, namespace);
    expect(afterCrash.map((c) => c.message.revision)).toEqual([1]); // published (twice), stored once

    const dataSource: DataSource = await openDatabase({ url: db.url, role: 'rl_policy_service', poolSize: 2 }, logger);
    cleanups.push(() => dataSource.destroy());
    const restarted = new OutboxRelay({ dataSource, nats: () => nc, namespace, signer, pollMs: 50, batchSize: 100, logger });
    expect(await restarted.relayOnce()).toEqual({ published: 3, duplicates: 1 });
    expect(await restarted.relayOnce()).toEqual({ published: 0, duplicates: 0 });
    expect(await unsent(pg)).toBe(0);
    const final = await changesOn(nc, namespace);
    expect(final.map((c) => c.message.revision)).toEqual([1, 2, 3]);
    expect(final.map((c) => c.msgId)).toEqual(final.map(expectedMsgId));
    expect(final.map((c) => verifier.verify('policy-change', c.data).ok)).toEqual([true, true, true]);
    expect(final.map((c) => (c.message.change as { policy: { id: string } }).policy.id)).toEqual(['a', 'b', 'c']);
  });

  it('keeps changes in the outbox while NATS is unreachable, and publishes them once it is back', async () => {
    const { db, namespace, pg } = await fresh();
    const offline = await app({ databaseUrl: db.url, namespace, env: { NATS_URL: 'nats://127.0.0.1:1' }, waitForNats: false });
    const ready = await offline.api.get('/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json<{ missing: { name: string }[] }>().missing.map((m) => m.name)).toEqual(['nats']);
    for (const id of ['x', 'y']) expect((await offline.api.post('/v1/policies', policy(id))).statusCode).toBe(201);
    expect(await unsent(pg)).toBe(2);
    expect((await offline.api.get('/metrics')).body).toMatch(/^rl_outbox_backlog\{service="policy-service"\} 2$/m);

    const dataSource = await openDatabase({ url: db.url, role: 'rl_policy_service', poolSize: 2 }, logger);
    cleanups.push(() => dataSource.destroy());
    const relay = new OutboxRelay({ dataSource, nats: () => nc, namespace, signer, pollMs: 50, batchSize: 1, logger });
    relay.start();
    await waitUntil('the backlog to drain', async () => (await unsent(pg)) === 0);
    await relay.stop();
    expect((await changesOn(nc, namespace)).map((c) => c.message.revision)).toEqual([1, 2]);
    expect((await offline.api.get('/metrics')).body).toMatch(/^rl_outbox_backlog\{service="policy-service"\} 0$/m);
  });

  it('a forged change published first under any id a forger can compute does not take the genuine revision\'s dedup slot', async () => {
    const { db, namespace } = await fresh();
    const { api } = await app({ databaseUrl: db.url, namespace });
    expect((await api.post('/v1/tiers', { id: 'free' })).statusCode).toBe(201); // tiers take no revision
    expect((await api.put('/v1/customers/acme', { tier: 'free' })).statusCode).toBe(200);
    await waitUntil('revision 1 on the stream', async () => (await changesOn(nc, namespace)).length === 1);
    // Revision 2 forged ahead of the real one: unsigned, and signed by another key, under the ids
    // a forger could guess (the old `policy-rev-<n>`, and the form of the new one with its own signature).
    const forgedPayload = new TextEncoder().encode(JSON.stringify({ revision: 2, committedAt: new Date().toISOString(), change: { kind: 'customer.deleted', customerId: 'acme' } }));
    const js = nc.jetstream();
    const wrong = MessageSigner.fromText(generateSigningKeyPair().privateKey).sign('policy-change', forgedPayload);
    await js.publish(policyChangesSubject(namespace), forgedPayload, { msgID: 'policy-rev-2' });
    await js.publish(policyChangesSubject(namespace), wrong.envelope, { msgID: policyChangeMsgId(2, wrong.signature) });
    const impersonating = encodeSignedEnvelope({ keyId: TEST_POLICY_SIGNING_KEY.keyId, signature: wrong.signature, payload: forgedPayload });
    await js.publish(policyChangesSubject(namespace), impersonating, { msgID: policyChangeMsgId(2, new Uint8Array(64)) });

    expect((await api.put('/admin/limits', { customer_id: 'acme', limit: 3, window: 60 })).statusCode).toBe(200);
    await waitUntil('the genuine revision 2 on the stream', async () => (await changesOn(nc, namespace)).length === 5);
    const stored = await changesOn(nc, namespace);
    const genuine = stored.filter((c) => verifier.verify('policy-change', c.data).ok);
    expect(genuine.map((c) => [c.message.revision, c.message.change.kind])).toEqual([
      [1, 'customer.upserted'],
      [2, 'override.upserted'],
    ]);
    expect(stored.filter((c) => !verifier.verify('policy-change', c.data).ok)).toHaveLength(3);
  });

  it('is woken by the commit, not by its poll: a change reaches the stream in well under a poll interval', async () => {
    const { db, namespace } = await fresh();
    const { api } = await app({ databaseUrl: db.url, namespace, env: { OUTBOX_POLL_MS: '60000' } });
    expect((await api.post('/v1/tiers', { id: 'free' })).statusCode).toBe(201); // tiers take no revision
    expect((await api.put('/v1/customers/warmup', { tier: 'free' })).statusCode).toBe(200);
    await waitUntil('the warm-up change', async () => (await changesOn(nc, namespace)).length === 1);

    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const started = Date.now();
      const response = await api.put('/admin/limits', { customer_id: 'acme', limit: i + 1, window: 60 });
      expect(response.statusCode).toBe(200);
      await waitUntil('the change on the stream', async () => (await changesOn(nc, namespace)).length === i + 2, 5_000);
      latencies.push(Date.now() - started);
    }
    expect(Math.max(...latencies)).toBeLessThan(1_000);
  });

  it('LISTEN/NOTIFY wakes relays of other instances on every commit', async () => {
    const { db, namespace } = await fresh();
    const { api } = await app({ databaseUrl: db.url, namespace });
    expect((await api.post('/v1/tiers', { id: 'free' })).statusCode).toBe(201); // tiers take no revision
    let notified = 0;
    const listener = new OutboxListener({ url: db.url, role: 'rl_policy_service', logger, onNotify: () => notified++ });
    listener.start();
    cleanups.push(() => listener.close());
    await waitUntil('the catch-up notification after LISTEN', async () => notified === 1);
    expect((await api.put('/v1/customers/acme', { tier: 'free' })).statusCode).toBe(200);
    await waitUntil('a notification for the commit', async () => notified === 2, 2_000);
    expect((await api.put('/v1/customers/acme', { tier: 'bad tier' })).statusCode).toBe(400);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(notified).toBe(2);
  });

  it('widens a stream someone else created without dedup, touching nothing else', async () => {
    const namespace = testNamespace();
    namespaces.push(namespace);
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({
      name: policyChangesStream(namespace),
      subjects: [`${namespace}.other`],
      storage: StorageType.Memory,
      retention: RetentionPolicy.Limits,
      duplicate_window: nanos(10_000),
    });
    await ensurePolicyChangesStream(jsm, namespace);
    const { config } = await jsm.streams.info(policyChangesStream(namespace));
    expect(config.subjects).toEqual([`${namespace}.other`, policyChangesSubject(namespace)]);
    expect(config.duplicate_window).toBe(nanos(120_000));
    expect(config.storage).toBe(StorageType.Memory);
    await ensurePolicyChangesStream(jsm, namespace);
  });
});
