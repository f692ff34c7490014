import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SIGNATURE_HEADER } from '@rl/contracts';
import { generateSigningKeyPair, MessageVerifier } from '@rl/platform';
import { createTestDatabase, type TestDatabase } from '@rl/testing';
import type { NatsConnection } from 'nats';
import { ApiClient } from '../testing/api-client';
import { createTestApp, TEST_ADMIN_TOKEN, TEST_POLICY_SIGNING_KEY } from '../testing/create-test-app';
import { connectTestNats, deletePolicyChangesStream, testNamespace } from '../testing/nats-streams';

const encoder = new TextEncoder();

describe('GET /v1/policies/snapshot is signed (real PostgreSQL)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let api: ApiClient;
  let nc: NatsConnection;
  const namespace = testNamespace();
  const verifier = MessageVerifier.fromText([TEST_POLICY_SIGNING_KEY.publicKey]);

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ app } = await createTestApp({ databaseUrl: db.url, namespace }));
    api = new ApiClient(app, TEST_ADMIN_TOKEN);
    nc = await connectTestNats();
  });

  afterAll(async () => {
    await app?.close();
    if (nc !== undefined) {
      await deletePolicyChangesStream(nc, namespace);
      await nc.close();
    }
    await db?.drop();
  });

  it('signs the exact body bytes, revision included, with the configured key', async () => {
    expect((await api.post('/v1/policies', { id: 'free', match: { customerTier: 'free' }, algorithm: 'fixed_window', limit: 10, windowSeconds: 60 })).statusCode).toBe(201);
    expect((await api.put('/v1/customers/acme', { tier: 'free' })).statusCode).toBe(200);
    const response = await api.get('/v1/policies/snapshot');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const line = response.headers[SIGNATURE_HEADER];
    expect(line).toMatch(new RegExp(`^RLSIG1 ${TEST_POLICY_SIGNING_KEY.keyId} [A-Za-z0-9_-]{86}$`));
    const body = encoder.encode(response.body);
    expect(verifier.verifyDetached('policy-snapshot', String(line), body)).toMatchObject({ ok: true, keyId: TEST_POLICY_SIGNING_KEY.keyId });
    expect(response.json()).toMatchObject({ revision: 2, policies: [{ id: 'free', limit: 10 }], customers: { acme: { tier: 'free' } } });

    // The same signature over another revision, or as a policy change, does not verify.
    const moved = encoder.encode(response.body.replace('"revision":2', '"revision":3'));
    expect(verifier.verifyDetached('policy-snapshot', String(line), moved)).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verifier.verifyDetached('policy-change', String(line), body)).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(MessageVerifier.fromText([generateSigningKeyPair().publicKey]).verifyDetached('policy-snapshot', String(line), body)).toMatchObject({ ok: false, reason: 'unknown_key' });
  });

  it('shows no key material in /readyz or /metrics', async () => {
    const shown = [(await api.get('/readyz')).body, (await api.get('/metrics')).body].join('\n');
    for (const secret of [TEST_POLICY_SIGNING_KEY.privateKey, TEST_POLICY_SIGNING_KEY.publicKey]) {
      expect(shown).not.toContain(secret.slice(16, 48));
    }
  });
});
