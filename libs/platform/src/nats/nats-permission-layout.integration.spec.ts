import {
  decisionEventsSubject,
  globalAllocationsStream,
  globalAllocationsSubject,
  globalAllocationsWildcard,
  globalUsageSubject,
  globalUsageWildcard,
  policyChangesStream,
  policyChangesSubject,
  reconcilerKvBucket,
} from '@rl/contracts';
import { natsPermissionLayout, startNatsServer, waitFor, type NatsServerHandle, type NatsServiceAccount } from '@rl/devstack';
import { connect, type NatsConnection } from 'nats';
import { createLogger } from '../logging/create-logger';
import { NatsConnector } from './nats-connector';

const NS = 'layout';
const REGIONS = ['us-east', 'eu-west'];
const layout = natsPermissionLayout({ namespace: NS, regions: REGIONS });
const PASSWORD = 'layout-test-password';
const OBSERVER = { user: 'observer', inboxPrefix: '_INBOX.observer', permissions: { publish: ['>'], subscribe: ['>'] }, password: PASSWORD };

/** Whether the server let this operation through (a denial rejects it, or shows as a denial on the connection). */
/** How long `allowed` waits for a denial after the operation's round trip. */
const DENIAL_WAIT_MS = 500;

async function allowed(connector: NatsConnector, operation: (nc: NatsConnection) => Promise<unknown>): Promise<boolean> {
  const nc = await connector.ready(10_000);
  const before = connector.lastPermissionDenial();
  try {
    await operation(nc);
    await nc.flush();
  } catch (error) {
    if (/Permissions Violation/.test(String(error))) return false;
    throw error;
  }
  // The server's -ERR reaches the connector's status listener asynchronously: on a loaded machine
  // it can take longer than a fixed pause, so watch for a new denial (a new object) for a while.
  const deadline = Date.now() + DENIAL_WAIT_MS;
  while (Date.now() < deadline) {
    if (connector.lastPermissionDenial() !== before) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return connector.lastPermissionDenial() === before;
}

/**
 * The shipped permission layout (natsPermissionLayout) against a real nats-server: each service's
 * user can do what that service does, with the same nats.js calls, and a user cannot forge what
 * another service publishes. The policy service's own app runs under its user in
 * apps/policy-service (nats-permissions.integration.spec.ts).
 */
describe('NATS permission layout', () => {
  let server: NatsServerHandle;
  let observer: NatsConnection;
  const connectors: NatsConnector[] = [];

  function as(account: NatsServiceAccount): NatsConnector {
    const connector = new NatsConnector({
      url: server.url,
      name: account.user,
      logger: createLogger({ service: 'test', level: 'silent' }),
      transport: { credentials: { kind: 'user', user: account.user, password: PASSWORD }, tls: undefined, inboxPrefix: account.inboxPrefix },
      onFatal: (message) => {
        throw new Error(message);
      },
    });
    connector.start();
    connectors.push(connector);
    return connector;
  }

  beforeAll(async () => {
    const accounts = [layout.policyService, layout.reconciler, ...Object.values(layout.enforcers)];
    server = await startNatsServer({ users: [...accounts.map((a) => ({ ...a, password: PASSWORD })), OBSERVER] });
    observer = await connect({ servers: server.url, user: OBSERVER.user, pass: PASSWORD });
    // The policy service's stream, as it creates it, with one change on it.
    const policyService = as(layout.policyService);
    const nc = await policyService.ready(10_000);
    await (await nc.jetstreamManager()).streams.add({ name: policyChangesStream(NS), subjects: [policyChangesSubject(NS)] });
    await nc.jetstream().publish(policyChangesSubject(NS), 'change 1', { msgID: 'policy-rev-1' });
  });

  afterAll(async () => {
    await Promise.all(connectors.map((c) => c.close()));
    await observer?.close();
    await server?.stop();
  });

  it('the reconciler: reads every region\'s usage, owns the allocation stream (publishes, reads it back) and its KV bucket', async () => {
    const reconciler = as(layout.reconciler);
    const nc = await reconciler.ready(10_000);
    const reports: string[] = [];
    const sub = nc.subscribe(globalUsageWildcard(NS), { callback: (_error, message) => reports.push(message.subject) });
    await nc.flush();
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: globalAllocationsStream(NS), subjects: [globalAllocationsWildcard(NS)] });
    await nc.jetstream().publish(globalAllocationsSubject(NS, 'us-east'), 'allocation 1', { msgID: 'alloc-1' });
    // The mirror of the stream: an ordered consumer, as OrderedStreamReader builds it.
    const consumer = await nc.jetstream().consumers.get(globalAllocationsStream(NS), { filterSubjects: globalAllocationsWildcard(NS) });
    expect((await consumer.next({ expires: 2_000 }))?.string()).toBe('allocation 1');
    // The leader lease and epochs.
    const kv = await nc.jetstream().views.kv(reconcilerKvBucket(NS), { history: 1 });
    const revision = await kv.create('leader', 'rec-a');
    await kv.update('leader', 'rec-a again', revision);
    expect((await kv.get('leader'))?.string()).toBe('rec-a again');
    observer.publish(globalUsageSubject(NS, 'eu-west'), 'report');
    await waitFor('the usage report', async () => reports.length > 0, 5_000);
    sub.unsubscribe();
    expect(reconciler.notReadyReason()).toBeUndefined();
  });

  it.each(REGIONS)('the enforcers of %s: read changes and allocations (ordered consumers), publish their own usage and events', async (region) => {
    const enforcer = as(layout.enforcers[region]);
    const nc = await enforcer.ready(10_000);
    const jsm = await nc.jetstreamManager();
    expect((await jsm.streams.info(policyChangesStream(NS))).state.messages).toBe(1);
    const changes = await nc.jetstream().consumers.get(policyChangesStream(NS), { filterSubjects: policyChangesSubject(NS), opt_start_seq: 1 });
    expect((await changes.next({ expires: 2_000 }))?.string()).toBe('change 1');
    await waitFor('the allocation stream', async () => (await jsm.streams.info(globalAllocationsStream(NS)).catch(() => undefined)) !== undefined, 10_000);
    const allocations = await nc.jetstream().consumers.get(globalAllocationsStream(NS), { filterSubjects: globalAllocationsSubject(NS, region) });
    const messages = await allocations.consume();
    await messages.close();
    expect(await allowed(enforcer, async (c) => c.publish(globalUsageSubject(NS, region), 'report'))).toBe(true);
    expect(await allowed(enforcer, async (c) => c.publish(decisionEventsSubject(NS, region), 'events'))).toBe(true);
    expect(enforcer.notReadyReason()).toBeUndefined();
  });

  describe('what a stolen enforcer credential cannot do', () => {
    const other = (region: string): string => REGIONS.find((r) => r !== region) ?? region;

    it.each(REGIONS)('enforcer-%s cannot forge a policy change, an allocation, or another region\'s usage and events', async (region) => {
      const enforcer = as(layout.enforcers[region]);
      expect(await allowed(enforcer, async (c) => c.publish(policyChangesSubject(NS), 'forged change'))).toBe(false);
      expect(await allowed(enforcer, async (c) => c.publish(globalAllocationsSubject(NS, region), 'forged allocation'))).toBe(false);
      expect(await allowed(enforcer, async (c) => c.publish(globalUsageSubject(NS, other(region)), 'forged report'))).toBe(false);
      expect(await allowed(enforcer, async (c) => c.publish(decisionEventsSubject(NS, other(region)), 'forged events'))).toBe(false);
    });

    it('nor delete, purge or reconfigure a stream, write the KV bucket, or read the usage of every region', async () => {
      const enforcer = as(layout.enforcers['us-east']);
      expect(await allowed(enforcer, async (c) => (await c.jetstreamManager()).streams.delete(policyChangesStream(NS)))).toBe(false);
      expect(await allowed(enforcer, async (c) => (await c.jetstreamManager()).streams.purge(globalAllocationsStream(NS)))).toBe(false);
      expect(await allowed(enforcer, async (c) => (await c.jetstreamManager()).streams.update(policyChangesStream(NS), { max_msgs: 1 }))).toBe(false);
      expect(await allowed(enforcer, async (c) => c.publish(`$KV.${reconcilerKvBucket(NS)}.leader`, 'me'))).toBe(false);
      expect(await allowed(enforcer, async (c) => c.subscribe(globalUsageWildcard(NS)).closed)).toBe(false);
      // Nor read another user's replies.
      expect(await allowed(enforcer, async (c) => c.subscribe('_INBOX.reconciler.>').closed)).toBe(false);
      await expect((await observer.jetstreamManager()).streams.info(policyChangesStream(NS))).resolves.toMatchObject({ state: { messages: 1 } });
    });

    it('the reconciler cannot publish policy changes; the policy service cannot publish allocations', async () => {
      expect(await allowed(as(layout.reconciler), async (c) => c.publish(policyChangesSubject(NS), 'forged change'))).toBe(false);
      expect(await allowed(as(layout.policyService), async (c) => c.publish(globalAllocationsSubject(NS, 'us-east'), 'forged allocation'))).toBe(false);
    });
  });
});
