import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { policyChangeMsgId, policyChangesStream, policyChangesSubject, type Policy, type PolicyChange } from '@rl/contracts';
import { createLogger, createMetricsRegistry } from '@rl/platform';
import { waitFor } from '@rl/testing';
import { connect, StorageType, type JetStreamManager, type NatsConnection } from 'nats';
import type { Registry } from 'prom-client';
import type { ControlPlaneSettings } from '../../config/enforcer-config';
import { createTestApp } from '../../testing/create-test-app';
import { SnapshotServer } from '../../testing/snapshot-server';
import type { ControlPlanePolicySource } from './control-plane-policy-source';
import { createControlPlanePolicySource } from './create-control-plane-source';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const TOKEN = 'integration-token';

function policy(id: string, match: Policy['match'], limit: number): Policy {
  return { id, match, algorithm: 'fixed_window', limit, windowSeconds: 3600, burst: limit, scope: 'regional', failureMode: 'open', mode: 'enforce', version: 1 };
}

const limitOf = (source: ControlPlanePolicySource, id: string): number | undefined =>
  [...(source.current()?.policies ?? []), ...(source.current()?.overrides ?? [])].find((p) => p.id === id)?.limit;

async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
  return values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
}

/** Until the snapshot read for `reason` is done (e.g. `positioned`: the feed is at the stream's end and caught up). */
async function resynced(registry: Registry, reason: string, count = 1): Promise<void> {
  await waitFor(`a resync for ${reason}`, async () => (await metric(registry, 'rl_policy_resyncs_total', { reason })) >= count, 10_000, 5);
}

/**
 * ControlPlanePolicySource against a real NATS JetStream server and a real HTTP snapshot
 * endpoint. Each suite has its own namespace (stream and subject); the stream is created here,
 * as the policy service would, and deleted afterwards.
 */
describe('control-plane policy source (real NATS JetStream, real HTTP)', () => {
  const namespace = `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const stream = policyChangesStream(namespace);
  const subject = policyChangesSubject(namespace);
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let dir: string;
  const server = new SnapshotServer(TOKEN);
  const sources: ControlPlanePolicySource[] = [];
  let revision = 0;

  async function publish(input: { revision: number; change: PolicyChange; msgId?: string } | { raw: string; msgId: string }): Promise<void> {
    if ('raw' in input) {
      await nc.jetstream().publish(subject, new TextEncoder().encode(input.raw), { msgID: input.msgId });
      return;
    }
    const body = { revision: input.revision, committedAt: new Date().toISOString(), change: input.change };
    await nc.jetstream().publish(subject, new TextEncoder().encode(JSON.stringify(body)), { msgID: input.msgId ?? policyChangeMsgId(input.revision) });
  }

  /** Commits a change as the policy service would: snapshot and stream both advance. */
  async function commit(change: PolicyChange, options: { publish: boolean } = { publish: true }): Promise<number> {
    revision += 1;
    const s = server.snapshot;
    const without = (list: readonly Policy[], id: string): Policy[] => list.filter((p) => p.id !== id);
    if (change.kind === 'policy.upserted') server.snapshot = { ...s, revision, policies: [...without(s.policies, change.policy.id), change.policy] };
    else if (change.kind === 'override.upserted') server.snapshot = { ...s, revision, overrides: [...without(s.overrides, change.policy.id), change.policy] };
    else throw new Error(`not used here: ${change.kind}`);
    if (options.publish) await publish({ revision, change });
    return revision;
  }

  function settings(overrides: Partial<ControlPlaneSettings> = {}): ControlPlaneSettings {
    return {
      policyServiceUrl: server.url,
      policyServiceToken: TOKEN,
      cacheFile: join(dir, 'policies.json'),
      resyncIntervalSeconds: 0,
      nats: { url: NATS_URL, namespace },
      ...overrides,
    };
  }

  async function startSource(registry: Registry = createMetricsRegistry({ processMetrics: 'off' })): Promise<ControlPlanePolicySource> {
    const source = await createControlPlanePolicySource({
      settings: settings(),
      connectionName: 'integration',
      logger: createLogger({ service: 'test', level: 'silent' }),
      registry,
    });
    sources.push(source);
    return source;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rl-cp-int-'));
    nc = await connect({ servers: NATS_URL });
    jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [subject], storage: StorageType.Memory, duplicate_window: 120_000_000_000 });
    await server.start();
  });

  afterAll(async () => {
    await Promise.all(sources.map((s) => s.close()));
    await server.stop();
    await jsm?.streams.delete(stream).catch(() => false);
    await nc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('bootstraps from the snapshot, then applies changes in order within milliseconds', async () => {
    await commit({ kind: 'policy.upserted', policy: policy('free', { customerTier: 'free' }, 10) });
    await commit({ kind: 'policy.upserted', policy: policy('free', { customerTier: 'free' }, 20) });
    const registry = createMetricsRegistry({ processMetrics: 'off' });
    const source = await startSource(registry);
    await resynced(registry, 'positioned');
    expect(source.revision).toBe(revision);
    expect(limitOf(source, 'free')).toBe(20);

    const started = Date.now();
    const target = await commit({ kind: 'policy.upserted', policy: policy('free', { customerTier: 'free' }, 30) });
    await waitFor('the change', async () => source.revision === target, 5_000, 1);
    expect(Date.now() - started).toBeLessThan(1_000);
    await commit({ kind: 'override.upserted', customerId: 'acme', policy: policy('acme-override', { customerId: 'acme' }, 5) });
    await waitFor('the override', async () => source.revision === revision, 5_000, 1);
    expect(limitOf(source, 'free')).toBe(30);
    expect(limitOf(source, 'acme-override')).toBe(5);
    expect(await metric(registry, 'rl_policy_revision')).toBe(revision);
    expect(await metric(registry, 'rl_policy_changes_applied_total')).toBe(2);
  });

  it('ignores a duplicate (same revision, new message id), resyncs on a gap, and skips a malformed message', async () => {
    const registry = createMetricsRegistry({ processMetrics: 'off' });
    const source = await startSource(registry);
    await resynced(registry, 'positioned');
    const before = limitOf(source, 'free');

    // A re-publish of the current revision with other content (JetStream dedup bypassed): ignored.
    await publish({ revision, change: { kind: 'policy.upserted', policy: policy('free', { customerTier: 'free' }, 999) }, msgId: `dup-${revision}` });
    // Malformed: counted and skipped, no crash.
    await publish({ raw: '{"revision": "soon", "change": 42}', msgId: `bad-${revision}` });
    await waitFor('the rejection', async () => (await metric(registry, 'rl_policy_messages_rejected_total')) === 1, 5_000, 5);
    await resynced(registry, 'malformed');
    expect(limitOf(source, 'free')).toBe(before);
    expect(source.revision).toBe(revision);

    // A gap: two changes committed but never published, then one published.
    await commit({ kind: 'policy.upserted', policy: policy('free', { customerTier: 'free' }, 41) }, { publish: false });
    await commit({ kind: 'policy.upserted', policy: policy('pro', { customerTier: 'pro' }, 100) }, { publish: false });
    const requestsBefore = server.requests;
    const last = await commit({ kind: 'policy.upserted', policy: policy('free', { customerTier: 'free' }, 42) });
    await waitFor('the resync', async () => source.revision === last, 5_000, 5);
    expect(server.requests).toBeGreaterThan(requestsBefore);
    expect(limitOf(source, 'free')).toBe(42);
    expect(limitOf(source, 'pro')).toBe(100);
    expect(await registry.getSingleMetricAsString('rl_policy_resyncs_total')).toContain('reason="gap"');
  });

  it('restarts from its persisted snapshot while the policy service is down, and still follows the stream', async () => {
    const first = await startSource();
    await waitFor('the snapshot', async () => first.revision === revision, 10_000, 5);
    await first.close();
    sources.splice(sources.indexOf(first), 1);
    const persisted = revision;

    await server.stop();
    try {
      const restarted = await startSource();
      expect(restarted.notReadyReason()).toBeUndefined();
      expect(restarted.revision).toBe(persisted);
      expect(limitOf(restarted, 'free')).toBe(42);

      // NATS is up: changes keep arriving and apply while the snapshot endpoint is unreachable. The
      // feed positions at the stream's end in the background; publish until it has seen the change.
      const next = await commit({ kind: 'policy.upserted', policy: policy('free', { customerTier: 'free' }, 43) }, { publish: false });
      let attempt = 0;
      await waitFor('the change during the outage', async () => {
        await publish({ revision: next, change: { kind: 'policy.upserted', policy: policy('free', { customerTier: 'free' }, 43) }, msgId: `outage-${next}-${attempt++}` });
        return restarted.revision === next;
      }, 10_000, 100);
      expect(limitOf(restarted, 'free')).toBe(43);
    } finally {
      await server.start(server.port);
    }
  });

  it('with the feed live and no change for a while, the revision stays current (its age does not grow)', async () => {
    const registry = createMetricsRegistry({ processMetrics: 'off' });
    const source = await startSource(registry);
    await resynced(registry, 'positioned');
    await waitFor('the feed live', async () => source.notReadyReason() === undefined, 5_000, 10);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await metric(registry, 'rl_policy_revision_age_seconds')).toBeLessThan(1);
  });

  it('a purged stream (no message, its last sequence kept): positions after it, and the next change applies at once', async () => {
    await jsm.streams.purge(stream);
    expect((await jsm.streams.info(stream)).state.messages).toBe(0);
    const registry = createMetricsRegistry({ processMetrics: 'off' });
    const source = await startSource(registry);
    await resynced(registry, 'positioned');
    expect(source.revision).toBe(revision);
    const target = await commit({ kind: 'policy.upserted', policy: policy('free', { customerTier: 'free' }, 44) });
    await waitFor('the change after the purge', async () => source.revision === target, 5_000, 1);
    expect(limitOf(source, 'free')).toBe(44);
  });

  it('waits for a stream that does not exist yet, then follows it', async () => {
    const laterNamespace = `${namespace}l`;
    const source = await createControlPlanePolicySource({
      settings: settings({ nats: { url: NATS_URL, namespace: laterNamespace }, cacheFile: join(dir, 'later.json') }),
      connectionName: 'integration-later',
      logger: createLogger({ service: 'test', level: 'silent' }),
      registry: createMetricsRegistry({ processMetrics: 'off' }),
    });
    sources.push(source);
    await waitFor('the snapshot', async () => source.revision === revision, 10_000, 5);
    const laterStream = policyChangesStream(laterNamespace);
    await jsm.streams.add({ name: laterStream, subjects: [policyChangesSubject(laterNamespace)], storage: StorageType.Memory });
    try {
      // Only the stream has this change (the snapshot stays behind), so seeing it proves the feed
      // found the stream. It retries with backoff; publish until it has positioned and seen one.
      revision += 1;
      const body = { revision, committedAt: new Date().toISOString(), change: { kind: 'customer.upserted', customerId: 'zed', assignment: { tier: 'pro' } } };
      let attempt = 0;
      await waitFor('the feed on the new stream', async () => {
        await nc.jetstream().publish(policyChangesSubject(laterNamespace), new TextEncoder().encode(JSON.stringify(body)), { msgID: `later-${attempt++}` });
        return source.current()?.customerTiers.get('zed') === 'pro';
      }, 20_000, 250);
      expect(source.revision).toBe(revision);
      server.snapshot = { ...server.snapshot, revision, customers: { ...server.snapshot.customers, zed: { tier: 'pro' } } };
    } finally {
      await jsm.streams.delete(laterStream);
    }
  });

  describe('inside the enforcer', () => {
    let app: NestFastifyApplication | undefined;
    afterEach(async () => {
      await app?.close();
      app = undefined;
    });

    it('becomes ready from the control plane, and a limit change applies to the existing counter at once', async () => {
      const customerPolicy = policy('acme-override', { customerId: 'acme' }, 3);
      await commit({ kind: 'override.upserted', customerId: 'acme', policy: customerPolicy });
      ({ app } = await createTestApp({
        env: { POLICY_SERVICE_URL: server.url, POLICY_SERVICE_TOKEN: TOKEN, NATS_URL, NATS_NAMESPACE: namespace, POLICY_CACHE_FILE: join(dir, 'app.json') },
      }));
      const enforcer = app;
      await waitFor('readiness', async () => (await enforcer.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, 10_000, 10);
      const check = async (): Promise<number> => (await enforcer.inject({ method: 'POST', url: '/v1/check', payload: { key: 'k', customerId: 'acme' } })).statusCode;
      expect([await check(), await check(), await check(), await check()]).toEqual([200, 200, 200, 429]);

      await commit({ kind: 'override.upserted', customerId: 'acme', policy: { ...customerPolicy, limit: 5, version: 2 } });
      // Same policy id, same counter: 3 used of a new limit of 5 leaves exactly 2.
      await waitFor('the new limit', async () => {
        const res = await enforcer.inject({ method: 'POST', url: '/v1/check', payload: { key: 'probe', customerId: 'acme', cost: 1 } });
        return res.json<{ limit: number }>().limit === 5;
      }, 5_000, 5);
      expect([await check(), await check(), await check()]).toEqual([200, 200, 429]);
      const metrics = (await enforcer.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toContain(`rl_policy_revision{service="enforcer"} ${revision}`);
    });
  });
});
