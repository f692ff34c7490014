import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { policyChangeMsgId, policyChangesStream, policyChangesSubject, type Policy } from '@rl/contracts';
import { startNatsServer, type NatsServerHandle } from '@rl/devstack';
import { createLogger, createMetricsRegistry } from '@rl/platform';
import { waitFor } from '@rl/testing';
import { connect, StorageType, type NatsConnection } from 'nats';
import { testPolicySigner, testPolicyVerifier } from '../../testing/signing-keys';
import { SnapshotServer } from '../../testing/snapshot-server';
import type { ControlPlanePolicySource } from './control-plane-policy-source';
import { createControlPlanePolicySource } from './create-control-plane-source';

const TOKEN = 'outage-token';

function policy(limit: number): Policy {
  return { id: 'free', match: { customerTier: 'free' }, algorithm: 'fixed_window', limit, windowSeconds: 60, burst: limit, scope: 'regional', failureMode: 'open', mode: 'enforce', version: 1 };
}

/**
 * NATS going away and coming back, on a private nats-server (never the shared one): the enforcer
 * keeps its policies through the outage and picks the stream up again after it.
 */
describe('control-plane policy source through a NATS outage (private nats-server)', () => {
  const namespace = 'outage';
  let nats: NatsServerHandle;
  let dir: string;
  let source: ControlPlanePolicySource | undefined;
  const server = new SnapshotServer(TOKEN);

  async function publisher(): Promise<NatsConnection> {
    return connect({ servers: nats.url });
  }

  async function publish(nc: NatsConnection, revision: number, limit: number): Promise<void> {
    const body = { revision, committedAt: new Date().toISOString(), change: { kind: 'policy.upserted', policy: policy(limit) } };
    const { envelope, signature } = testPolicySigner.sign('policy-change', new TextEncoder().encode(JSON.stringify(body)));
    await nc.jetstream().publish(policyChangesSubject(namespace), envelope, { msgID: policyChangeMsgId(revision, signature) });
  }

  beforeAll(async () => {
    nats = await startNatsServer();
    dir = mkdtempSync(join(tmpdir(), 'rl-cp-outage-'));
    await server.start();
    const nc = await publisher();
    await (await nc.jetstreamManager()).streams.add({ name: policyChangesStream(namespace), subjects: [policyChangesSubject(namespace)], storage: StorageType.File });
    await nc.close();
  });

  afterAll(async () => {
    await source?.close();
    await server.stop();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps enforcing while NATS is down, and resumes the stream when it is back', async () => {
    server.snapshot = { revision: 1, policies: [policy(10)], overrides: [], customers: {} };
    const registry = createMetricsRegistry({ processMetrics: 'off' });
    const started = await createControlPlanePolicySource({
      settings: { policyServiceUrl: server.url, policyServiceToken: TOKEN, cacheFile: join(dir, 'p.json'), resyncIntervalSeconds: 0, nats: { url: nats.url, namespace }, policyKeys: testPolicyVerifier },
      connectionName: 'outage',
      logger: createLogger({ service: 'test', level: 'silent' }),
      registry,
    });
    source = started;
    const limit = (): number | undefined => started.current()?.policies[0]?.limit;
    await waitFor('the feed', async () => (await registry.getSingleMetricAsString('rl_policy_resyncs_total')).includes('reason="positioned"'), 10_000, 10);

    let nc = await publisher();
    await publish(nc, 2, 20);
    await waitFor('revision 2', async () => started.revision === 2, 5_000, 5);
    await nc.close();

    await nats.stopProcess();
    await new Promise((r) => setTimeout(r, 500));
    expect(limit()).toBe(20);
    expect(started.notReadyReason()).toBeUndefined();

    await nats.restart();
    nc = await publisher();
    try {
      // Published after the restart: the feed must reconnect and resume on its own.
      server.snapshot = { revision: 3, policies: [policy(30)], overrides: [], customers: {} };
      await publish(nc, 3, 30);
      await waitFor('revision 3 after the outage', async () => started.revision === 3, 30_000, 20);
      await publish(nc, 4, 40);
      await waitFor('revision 4 over the stream', async () => started.revision === 4, 10_000, 5);
      expect(limit()).toBe(40);
    } finally {
      await nc.close();
    }
  });
});
