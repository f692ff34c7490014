import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { policyChangesStream, policyChangesSubject } from '@rl/contracts';
import { natsPermissionLayout, startNatsServer, type NatsServerHandle, type NatsServiceAccount } from '@rl/devstack';
import { createTestDatabase, waitFor, type TestDatabase } from '@rl/testing';
import { connect, type NatsConnection } from 'nats';
import { ApiClient } from '../testing/api-client';
import { createTestApp, TEST_ADMIN_TOKEN } from '../testing/create-test-app';

const NAMESPACE = 'authz';
const layout = natsPermissionLayout({ namespace: NAMESPACE, regions: ['us-east'] });
/** Everything allowed: the test's own view of the server. */
const OBSERVER: NatsServiceAccount & { password: string } = { user: 'observer', inboxPrefix: '_INBOX.observer', permissions: { publish: ['>'], subscribe: ['>'] }, password: 'observer-pw' };
/** The policy service's permissions without the one it needs most: publishing changes. */
const MUTED: NatsServiceAccount & { password: string } = {
  ...layout.policyService,
  user: 'muted-policy-service',
  inboxPrefix: '_INBOX.muted',
  permissions: {
    publish: layout.policyService.permissions.publish.filter((subject) => subject !== policyChangesSubject(NAMESPACE)),
    subscribe: ['_INBOX.muted.>'],
  },
  password: 'muted-pw',
};

const policy = (id: string): Record<string, unknown> => ({ id, match: { customerTier: id }, algorithm: 'gcra', limit: 10, windowSeconds: 1 });

describe('policy service on a NATS server with users and per-user permissions', () => {
  let server: NatsServerHandle;
  let observer: NatsConnection;
  let db: TestDatabase;
  const apps: NestFastifyApplication[] = [];

  async function start(account: { user: string; password: string; inboxPrefix: string }): Promise<ApiClient> {
    const { app } = await createTestApp({
      databaseUrl: db.url,
      namespace: NAMESPACE,
      env: { NATS_URL: server.url, NATS_USER: account.user, NATS_PASSWORD: account.password, NATS_INBOX_PREFIX: account.inboxPrefix },
    });
    apps.push(app);
    return new ApiClient(app, TEST_ADMIN_TOKEN);
  }

  beforeAll(async () => {
    server = await startNatsServer({ users: [{ ...layout.policyService, password: 'policy-service-pw' }, MUTED, OBSERVER] });
    observer = await connect({ servers: server.url, user: OBSERVER.user, pass: OBSERVER.password });
    db = await createTestDatabase();
  });

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  afterAll(async () => {
    await observer?.close();
    await server?.stop();
    await db?.drop();
  });

  it('publishes changes and sets up its streams and consumer with the policy-service user only', async () => {
    const api = await start({ ...layout.policyService, password: 'policy-service-pw' });
    expect((await api.post('/v1/policies', policy('first'))).statusCode).toBe(201);
    const jsm = await observer.jetstreamManager();
    await waitFor('the change on the stream', async () => (await jsm.streams.info(policyChangesStream(NAMESPACE)).catch(() => undefined))?.state.messages === 1, 10_000);
    // No denial anywhere (a denial keeps the service not ready for 30 s).
    await waitFor('ready', async () => (await api.get('/readyz')).statusCode === 200, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await api.get('/readyz')).json()).toEqual({ status: 'ready', missing: [] });
  });

  it('a user denied publishing changes: the change waits in the outbox, /readyz names the denied subject, the service keeps serving', async () => {
    const api = await start(MUTED);
    const created = await api.post('/v1/policies', policy('second'));
    expect(created.statusCode).toBe(201);
    await waitFor(
      'the denial in /readyz',
      async () => JSON.stringify((await api.get('/readyz')).json()).includes(`denied publish on \\"${policyChangesSubject(NAMESPACE)}\\"`),
      10_000,
    );
    expect((await api.get('/readyz')).statusCode).toBe(503);
    expect((await api.get('/healthz')).statusCode).toBe(200);
    expect((await api.get('/v1/policies/second')).statusCode).toBe(200);
    const info = await (await observer.jetstreamManager()).streams.info(policyChangesStream(NAMESPACE));
    expect(info.state.messages).toBe(1);
  });
});
