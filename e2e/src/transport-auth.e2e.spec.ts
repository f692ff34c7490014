import { globalAllocationsStream } from '@rl/contracts';
import { defaultStackSigningKeys, freePort, natsPermissionLayout, reconcilerSigningEnv, startNatsServer, startNodeService, startPolicyService, startReconciler, type NatsServerHandle, type ServiceHandle } from '@rl/devstack';
import { createTestDatabase, waitFor, type TestDatabase } from '@rl/testing';

/**
 * The services as processes on a NATS server that requires credentials, with the shipped
 * permission layout: each runs with its own user, and one whose credentials the server refuses
 * stops at boot (exit 78) with a message naming the variables, instead of waiting forever.
 * The console's global-usage view reaches the reconciler with RECONCILER_API_TOKEN.
 */
describe('services on an authenticating NATS server, and the reconciler behind its token', () => {
  const unique = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const namespace = `e2eauth${unique}`;
  const adminToken = `e2e-admin-${unique}`;
  const reconcilerToken = `e2e-reconciler-token-${unique}`;
  const layout = natsPermissionLayout({ namespace, regions: ['us-east', 'eu-west'] });
  const password = (user: string): string => `${user}-${unique}`;
  let nats: NatsServerHandle;
  let database: TestDatabase;
  const services: ServiceHandle[] = [];

  const natsEnv = (account: { user: string; inboxPrefix: string }, secret = password(account.user)): Record<string, string> => ({
    NATS_USER: account.user,
    NATS_PASSWORD: secret,
    NATS_INBOX_PREFIX: account.inboxPrefix,
  });

  /** A reconciler of a namespace of its own, whose user may do everything its layout allows but create the allocation stream. */
  const mutedNamespace = `${namespace}m`;
  const mutedLayout = natsPermissionLayout({ namespace: mutedNamespace, regions: ['us-east', 'eu-west'] }).reconciler;
  const mutedReconciler = {
    user: 'muted-reconciler',
    inboxPrefix: '_INBOX.muted-reconciler',
    permissions: {
      publish: mutedLayout.permissions.publish.filter((s) => s !== `$JS.API.STREAM.CREATE.${globalAllocationsStream(mutedNamespace)}`),
      subscribe: [...mutedLayout.permissions.subscribe.filter((s) => !s.startsWith('_INBOX.')), '_INBOX.muted-reconciler.>'],
    },
  };

  beforeAll(async () => {
    nats = await startNatsServer({
      users: [layout.policyService, layout.reconciler, ...Object.values(layout.enforcers), mutedReconciler].map((a) => ({ ...a, password: password(a.user) })),
    });
    database = await createTestDatabase();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await nats?.stop();
    await database?.drop();
  });

  it('the policy service and the reconciler become ready with their own users; the console view reaches the reconciler with its token', async () => {
    const reconciler = await startReconciler({ regions: ['us-east', 'eu-west'], natsUrl: nats.url, namespace, env: { ...natsEnv(layout.reconciler), RECONCILER_API_TOKEN: reconcilerToken } });
    services.push(reconciler);
    const policyService = await startPolicyService({
      databaseUrl: database.url,
      natsUrl: nats.url,
      namespace,
      adminToken,
      env: { ...natsEnv(layout.policyService), RECONCILER_URL: reconciler.url, RECONCILER_API_TOKEN: reconcilerToken },
    });
    services.push(policyService);
    const admin = { authorization: `Bearer ${adminToken}` };
    const created = await fetch(`${policyService.url}/v1/policies`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'shared', match: { customerTier: 'shared' }, algorithm: 'gcra', limit: 100, windowSeconds: 60, scope: 'global' }),
    });
    expect(created.status).toBe(201);
    // Forwarded with the token: the reconciler answers (404: no usage yet), not 401 (which would be a 502 here).
    const usage = await fetch(`${policyService.url}/v1/global-usage?policyId=shared`, { headers: admin });
    expect(usage.status).toBe(404);
    // Directly, without the token, the reconciler refuses, even from loopback.
    const direct = await fetch(`${reconciler.url}/v1/global/usage?policyId=shared`);
    expect(direct.status).toBe(401);
    for (const service of [policyService, reconciler]) expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
  });

  it('a reconciler denied a permission it needs stays up, not ready, naming the denied subject', async () => {
    const port = await freePort();
    const reconciler = await startNodeService({
      name: 'muted reconciler',
      entry: 'apps/reconciler/src/main.js',
      port,
      readyPath: '/healthz',
      env: { RECONCILER_REGIONS: 'us-east,eu-west', NATS_URL: nats.url, NATS_NAMESPACE: mutedNamespace, INSTANCE_ID: 'muted', ...reconcilerSigningEnv(defaultStackSigningKeys(), ['us-east', 'eu-west']), ...natsEnv(mutedReconciler) },
    });
    services.push(reconciler);
    const denied = `Permissions Violation for Publish to "$JS.API.STREAM.CREATE.${globalAllocationsStream(mutedNamespace)}"`;
    await waitFor('the denial in /readyz', async () => (await (await fetch(`${reconciler.url}/readyz`)).text()).includes(denied.replace(/"/g, '\\"')), 15_000);
    expect((await fetch(`${reconciler.url}/readyz`)).status).toBe(503);
    expect((await fetch(`${reconciler.url}/healthz`)).status).toBe(200);
    expect(reconciler.process.child.exitCode).toBeNull();
  });

  it.each([
    ['policy service', 'the NATS server refused NATS_USER "policy-service" and NATS_PASSWORD: Authorization Violation'],
    ['reconciler', 'the NATS server refused NATS_USER "reconciler" and NATS_PASSWORD: Authorization Violation'],
  ])('a %s whose NATS password is refused stops at boot with exit code 78, naming the variables', async (which, message) => {
    const start =
      which === 'policy service'
        ? startPolicyService({ databaseUrl: database.url, natsUrl: nats.url, namespace, adminToken, env: natsEnv(layout.policyService, 'wrong-password') })
        : startReconciler({ regions: ['us-east', 'eu-west'], natsUrl: nats.url, namespace, env: natsEnv(layout.reconciler, 'wrong-password') });
    const failure = await start.then(
      (started) => {
        services.push(started);
        return 'became ready';
      },
      // The process's log lines are JSON: unescape their quotes.
      (error: unknown) => String(error).replace(/\\"/g, '"'),
    );
    expect(failure).toContain('exited with code 78');
    expect(failure).toContain(`cannot use NATS: ${message}`);
    expect(failure).not.toContain('wrong-password');
  });
});
