import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { encodeSignedEnvelope, parseSignedEnvelope, policyChangeMsgId, policyChangesStream, policyChangesSubject, type Policy, type PolicyChange } from '@rl/contracts';
import { createLogger, createMetricsRegistry } from '@rl/platform';
import { waitFor } from '@rl/testing';
import { connect, StorageType, type JetStreamManager, type NatsConnection } from 'nats';
import type { Registry } from 'prom-client';
import type { ControlPlaneSettings } from '../../config/enforcer-config';
import { forgerSigner, signedChange, TEST_POLICY_KEY, testPolicySigner, testPolicyVerifier } from '../../testing/signing-keys';
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

  /** Publishes as the outbox relay does (signed, message id from the signature), or raw bytes. */
  async function publish(input: { revision: number; change: PolicyChange; msgId?: string } | { raw: string | Uint8Array; msgId: string }): Promise<void> {
    if ('raw' in input) {
      await nc.jetstream().publish(subject, typeof input.raw === 'string' ? new TextEncoder().encode(input.raw) : input.raw, { msgID: input.msgId });
      return;
    }
    const body = { revision: input.revision, committedAt: new Date().toISOString(), change: input.change };
    const { envelope, signature } = testPolicySigner.sign('policy-change', new TextEncoder().encode(JSON.stringify(body)));
    await nc.jetstream().publish(subject, envelope, { msgID: input.msgId ?? policyChangeMsgId(input.revision, signature) });
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
      policyKeys: testPolicyVerifier,
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
    // Malformed but genuinely signed: counted and skipped, no crash.
    await publish({ raw: signedChange('{"revision": "soon", "change": 42}'), msgId: `bad-${revision}` });
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

  it('ignores forged changes on the real stream (unsigned, wrong key, replayed with a higher revision) and applies the next genuine revision within a second', async () => {
    const registry = createMetricsRegistry({ processMetrics: 'off' });
    const source = await startSource(registry);
    await resynced(registry, 'positioned');
    const current = revision;
    const limit = limitOf(source, 'free');
    const resyncsBefore = await metric(registry, 'rl_policy_resyncs_total');
    const next = current + 1;
    const forgedBody = (r: number): Uint8Array =>
      new TextEncoder().encode(JSON.stringify({ revision: r, committedAt: new Date().toISOString(), change: { kind: 'policy.upserted', policy: policy('free', { customerTier: 'free' }, 1_000_000_000) } }));

    const genuine = parseSignedEnvelope((await jsm.streams.getMessage(stream, { last_by_subj: subject })).data);
    if (!genuine.ok) throw new Error('the stream holds an unsigned message');
    // Each under the id a forger can compute, so it would take the genuine revision's dedup slot if ids were `policy-rev-<n>`.
    await publish({ raw: forgedBody(next), msgId: `policy-rev-${next}` });
    const wrongKey = forgerSigner.sign('policy-change', forgedBody(next));
    await publish({ raw: wrongKey.envelope, msgId: policyChangeMsgId(next, wrongKey.signature) });
    const impersonating = encodeSignedEnvelope({ keyId: TEST_POLICY_KEY.keyId, signature: wrongKey.signature, payload: forgedBody(next) });
    await publish({ raw: impersonating, msgId: `impersonating-${next}` });
    // A genuine message (its signature) replayed with a higher revision and other content.
    await publish({ raw: encodeSignedEnvelope({ ...genuine, payload: forgedBody(next + 5) }), msgId: `replayed-${next}` });

    await waitFor('four rejections', async () => (await metric(registry, 'rl_policy_signature_rejections_total', { source: 'change' })) === 4, 5_000, 5);
    expect(await metric(registry, 'rl_policy_signature_rejections_total', { source: 'change', reason: 'unsigned' })).toBe(1);
    expect(await metric(registry, 'rl_policy_signature_rejections_total', { source: 'change', reason: 'unknown_key' })).toBe(1);
    expect(await metric(registry, 'rl_policy_signature_rejections_total', { source: 'change', reason: 'bad_signature' })).toBe(2);
    expect(source.revision).toBe(current);
    expect(limitOf(source, 'free')).toBe(limit);
    expect(await metric(registry, 'rl_policy_resyncs_total')).toBe(resyncsBefore);

    const started = Date.now();
    const target = await commit({ kind: 'policy.upserted', policy: policy('free', { customerTier: 'free' }, 77) });
    expect(target).toBe(next);
    await waitFor('the genuine change', async () => source.revision === target, 5_000, 1);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(limitOf(source, 'free')).toBe(77);
  });

  it('refuses a snapshot that does not verify, and reads the genuine one once it does', async () => {
    const registry = createMetricsRegistry({ processMetrics: 'off' });
    server.signer = forgerSigner;
    try {
      const source = await createControlPlanePolicySource({
        settings: settings({ cacheFile: join(dir, 'forged-snapshot.json') }),
        connectionName: 'integration-forged-snapshot',
        logger: createLogger({ service: 'test', level: 'silent' }),
        registry,
      });
      sources.push(source);
      await waitFor('a refused snapshot', async () => (await metric(registry, 'rl_policy_signature_rejections_total', { source: 'snapshot', reason: 'unknown_key' })) >= 1, 10_000, 5);
      expect(source.current()).toBeUndefined();
      expect(source.notReadyReason()).toContain('does not verify against POLICY_SIGNING_PUBLIC_KEYS (unknown_key)');
      server.signer = undefined;
      await waitFor('a refused unsigned snapshot', async () => (await metric(registry, 'rl_policy_signature_rejections_total', { source: 'snapshot', reason: 'unsigned' })) >= 1, 10_000, 5);
      server.signer = testPolicySigner;
      await waitFor('the genuine snapshot', async () => source.revision === revision, 10_000, 5);
    } finally {
      server.signer = testPolicySigner;
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
        await nc.jetstream().publish(policyChangesSubject(laterNamespace), signedChange(body), { msgID: `later-${attempt++}` });
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
        env: {
          POLICY_SERVICE_URL: server.url,
          POLICY_SERVICE_TOKEN: TOKEN,
          POLICY_SIGNING_PUBLIC_KEYS: TEST_POLICY_KEY.publicKey,
          NATS_URL,
          NATS_NAMESPACE: namespace,
          POLICY_CACHE_FILE: join(dir, 'app.json'),
        },
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
      // No key material in what an enforcer shows.
      const readyz = (await enforcer.inject({ method: 'GET', url: '/readyz' })).body;
      for (const shown of [metrics, readyz]) expect(shown).not.toContain(TEST_POLICY_KEY.publicKey.slice(16, 48));
    });
  });
});
