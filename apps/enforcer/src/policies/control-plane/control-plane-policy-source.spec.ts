import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { encodeSignedEnvelope, parseSignedEnvelope, type Policy, type PolicyChange, type PolicySnapshot as ControlPlaneSnapshot } from '@rl/contracts';
import { createLogger, createMetricsRegistry, generateSigningKeyPair, MessageSigner, type VerificationFailure } from '@rl/platform';
import type { Registry } from 'prom-client';
import { forgerSigner, signedChange, signedSnapshot, TEST_POLICY_KEY, testPolicyVerifier } from '../../testing/signing-keys';
import type { ActivePolicies } from '../policy-source';
import { ChangeFeed, type ChangeFeedHandlers } from './change-feed';
import { ControlPlanePolicySource } from './control-plane-policy-source';
import { PolicySyncMetrics } from './policy-sync-metrics';
import { SnapshotCache } from './snapshot-cache';
import { SnapshotClient, SnapshotFetchError, SnapshotSignatureError, type SignedSnapshot } from './snapshot-client';

/**
 * The policy service's snapshot endpoint, scripted: it serves `current` (signed by the policy
 * service's key), fails while `down`, or serves one that does not verify while `unverified` is set.
 */
class FakeSnapshotClient extends SnapshotClient {
  current: ControlPlaneSnapshot | undefined;
  down = false;
  unverified: VerificationFailure | undefined;
  /** The policy service's key unless set (a rotated one). */
  signer: MessageSigner | undefined;
  calls = 0;

  fetch(): Promise<SignedSnapshot> {
    this.calls += 1;
    if (this.down || this.current === undefined) return Promise.reject(new SnapshotFetchError('GET http://policy/v1/policies/snapshot failed: fetch failed (connect ECONNREFUSED)'));
    if (this.unverified !== undefined) return Promise.reject(new SnapshotSignatureError(`does not verify (${this.unverified})`, this.unverified));
    return Promise.resolve(this.signer === undefined ? signedSnapshot(this.current) : signedSnapshot(this.current, this.signer));
  }
}

/** The change stream, driven by the test. */
class FakeChangeFeed extends ChangeFeed {
  handlers: ChangeFeedHandlers | undefined;
  live = true;

  run(handlers: ChangeFeedHandlers): void {
    this.handlers = handlers;
  }
  problem(): string | undefined {
    return this.live ? undefined : 'disconnected';
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  /** A message signed by the policy service's key. */
  send(value: unknown): void {
    this.handlers?.onMessage(signedChange(value));
  }
  /** Bytes as they are (forgeries). */
  sendRaw(data: Uint8Array | string): void {
    this.handlers?.onMessage(typeof data === 'string' ? new TextEncoder().encode(data) : data);
  }
}

function policy(id: string, limit: number): Policy {
  return { id, match: { customerTier: 'free' }, algorithm: 'fixed_window', limit, windowSeconds: 60, burst: limit, scope: 'regional', failureMode: 'open', mode: 'enforce', version: 1 };
}
const snapshot = (revision: number, policies: Policy[] = []): ControlPlaneSnapshot => ({ revision, policies, overrides: [], customers: {} });
const change = (revision: number, body: PolicyChange): unknown => ({ revision, committedAt: new Date().toISOString(), change: body });
const upsert = (revision: number, limit: number): unknown => change(revision, { kind: 'policy.upserted', policy: policy('free', limit) });

async function eventually(probe: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
  return values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce<number | undefined>((sum, v) => (sum ?? 0) + v.value, undefined);
}

/** Log lines as parsed JSON, for tests of what is logged. */
class LogLines extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    for (const line of chunk.toString().split('\n')) if (line.trim() !== '') this.lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  }
}

describe('ControlPlanePolicySource', () => {
  let dir: string;
  let client: FakeSnapshotClient;
  let feed: FakeChangeFeed;
  let registry: Registry;
  let published: ActivePolicies[];
  const sources: ControlPlanePolicySource[] = [];

  const origin = { policyServiceUrl: 'http://policy', namespace: 't' };
  const cacheFile = (): string => join(dir, 'policies.json');

  async function start(options: { resyncIntervalMs?: number; origin?: typeof origin; logs?: LogLines } = {}): Promise<ControlPlanePolicySource> {
    registry = createMetricsRegistry({ processMetrics: 'off' });
    const source = new ControlPlanePolicySource({
      client,
      feed,
      cache: new SnapshotCache(cacheFile(), { origin: options.origin ?? origin, verifier: testPolicyVerifier, debounceMs: 0, onWriteError: (e) => { throw e; } }),
      metrics: new PolicySyncMetrics(registry),
      verifier: testPolicyVerifier,
      subject: 't.policy.changes',
      logger: options.logs === undefined ? createLogger({ service: 'test', level: 'silent' }) : createLogger({ service: 'test', level: 'warn', destination: options.logs }),
      resyncIntervalMs: options.resyncIntervalMs ?? 0,
      retry: { initialMs: 1, maxMs: 5 },
    });
    sources.push(source);
    published = [];
    source.subscribe((s) => published.push(s));
    await source.start();
    return source;
  }

  const limitOf = (source: ControlPlanePolicySource): number | undefined => source.current()?.policies.find((p) => p.id === 'free')?.limit;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rl-cp-source-'));
    client = new FakeSnapshotClient();
    feed = new FakeChangeFeed();
  });

  afterEach(async () => {
    await Promise.all(sources.splice(0).map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('is not ready until the policy service answers, retrying with backoff, then serves its snapshot', async () => {
    client.down = true;
    const source = await start();
    await eventually(() => client.calls >= 3, 'three attempts');
    expect(source.current()).toBeUndefined();
    expect(source.notReadyReason()).toBe('no policy snapshot loaded yet (GET http://policy/v1/policies/snapshot failed: fetch failed (connect ECONNREFUSED))');
    expect(await metric(registry, 'rl_policy_snapshot_fetch_errors_total')).toBeGreaterThanOrEqual(3);

    client.current = snapshot(4, [policy('free', 10)]);
    client.down = false;
    await eventually(() => source.current() !== undefined, 'the snapshot');
    expect(source.notReadyReason()).toBeUndefined();
    expect(source.current()?.revision).toBe('4');
    expect(published.map((s) => s.revision)).toEqual(['4']);
    expect(await metric(registry, 'rl_policy_revision')).toBe(4);
  });

  it('applies changes in revision order and ignores duplicates and redeliveries', async () => {
    client.current = snapshot(4, [policy('free', 10)]);
    const source = await start();
    await eventually(() => source.revision === 4, 'the snapshot');
    feed.send(upsert(5, 20));
    expect(limitOf(source)).toBe(20);
    feed.send(upsert(5, 99)); // duplicate publish
    feed.send(upsert(3, 99)); // redelivery of something older
    expect(limitOf(source)).toBe(20);
    feed.send(upsert(6, 30));
    expect(source.revision).toBe(6);
    expect(published.map((s) => s.revision)).toEqual(['4', '5', '6']);
    expect(await metric(registry, 'rl_policy_changes_applied_total')).toBe(2);
    expect((await metric(registry, 'rl_policy_propagation_seconds')) ?? 0).toBeGreaterThan(0);
  });

  it('hands each counter reset to its reset listeners once, in revision order, and advances the revision', async () => {
    client.current = snapshot(4, [policy('free', 10)]);
    const source = await start();
    await eventually(() => source.revision === 4, 'the snapshot');
    const resets: unknown[] = [];
    source.subscribeResets((reset) => resets.push(reset));
    const reset = (revision: number, key: string) => ({ revision, committedAt: new Date().toISOString(), change: { kind: 'counter.reset', policyId: 'free', key } });
    feed.send(reset(5, 'user:1'));
    feed.send(reset(5, 'user:1')); // duplicate publish
    feed.send(reset(6, 'user:2'));
    expect(resets).toEqual([
      { policyId: 'free', key: 'user:1', revision: 5 },
      { policyId: 'free', key: 'user:2', revision: 6 },
    ]);
    expect(source.revision).toBe(6);
    expect(limitOf(source)).toBe(10);
  });

  it('resyncs from the snapshot on a gap, then applies what follows', async () => {
    client.current = snapshot(1, [policy('free', 10)]);
    const source = await start();
    await eventually(() => source.revision === 1, 'the snapshot');
    const callsBefore = client.calls;
    client.current = snapshot(3, [policy('free', 30)]); // the service is at 3; 2 and 3 never arrive
    feed.send(upsert(4, 40));
    expect(source.revision).toBe(1); // 4 waits for the resync
    await eventually(() => source.revision === 4, 'the resync');
    expect(limitOf(source)).toBe(40);
    expect(client.calls).toBe(callsBefore + 1);
    expect((await registry.getSingleMetricAsString('rl_policy_resyncs_total'))).toContain('reason="gap"');
  });

  it('never moves back to a lower revision, whatever the snapshot endpoint says', async () => {
    client.current = snapshot(10, [policy('free', 10)]);
    const source = await start({ resyncIntervalMs: 5 });
    await eventually(() => source.revision === 10, 'the snapshot');
    client.current = snapshot(7, [policy('free', 7)]); // a stale replica
    const calls = client.calls;
    await eventually(() => client.calls > calls + 2, 'periodic resyncs');
    expect(source.revision).toBe(10);
    expect(limitOf(source)).toBe(10);
  });

  it('logs, counts and skips a malformed message without stopping, and resyncs in case it was the next change', async () => {
    client.current = snapshot(1, [policy('free', 10)]);
    const source = await start();
    await eventually(() => source.revision === 1, 'the snapshot');
    feed.send('{"revision": 2, "committedAt": "x", "change": {"kind": "policy.upserted"');
    feed.send(change(2, { kind: 'policy.upserted', policy: { ...policy('free', 0) } }));
    feed.send({ revision: 2, committedAt: new Date().toISOString(), change: { kind: 'policy.renamed' } });
    expect(await metric(registry, 'rl_policy_messages_rejected_total')).toBe(3);
    expect(source.revision).toBe(1);
    feed.send(upsert(2, 20));
    expect(limitOf(source)).toBe(20);
    await eventually(async () => ((await registry.getSingleMetricAsString('rl_policy_resyncs_total')).includes('reason="malformed"')), 'a resync');
  });

  it('resyncs when the feed repositions, so changes published before it are not lost', async () => {
    client.current = snapshot(1, [policy('free', 10)]);
    const source = await start();
    await eventually(() => source.revision === 1, 'the snapshot');
    client.current = snapshot(5, [policy('free', 50)]);
    feed.handlers?.onPositioned();
    await eventually(() => source.revision === 5, 'the resync');
    expect(limitOf(source)).toBe(50);
  });

  it('persists each revision atomically and starts from it while the policy service is down', async () => {
    client.current = snapshot(2, [policy('free', 10)]);
    const first = await start();
    await eventually(() => first.revision === 2, 'the snapshot');
    feed.send(upsert(3, 30));
    await first.close();
    // The snapshot as read and the change as received, each as signed; nothing computed locally.
    const saved = JSON.parse(readFileSync(cacheFile(), 'utf8')) as { format: number; origin: unknown; snapshot: string; changes: string[] };
    expect(saved.format).toBe(2);
    expect(saved.origin).toEqual(origin);
    expect(saved.snapshot).toBe(new TextDecoder().decode(signedSnapshot(snapshot(2, [policy('free', 10)])).envelope));
    expect(saved.changes).toHaveLength(1);
    expect(saved.changes[0]).toMatch(new RegExp(`^RLSIG1 ${TEST_POLICY_KEY.keyId} `));

    client.down = true;
    feed = new FakeChangeFeed();
    const second = await start();
    expect(second.notReadyReason()).toBeUndefined();
    expect(second.revision).toBe(3);
    expect(limitOf(second)).toBe(30);
    // Changes still flow over the feed during the outage.
    feed.send(upsert(4, 40));
    expect(limitOf(second)).toBe(40);
  });

  it('follows the policy service when it answers with a lower revision than the persisted snapshot (a rebuilt control plane)', async () => {
    client.current = snapshot(9, [policy('free', 10)]);
    const first = await start();
    await eventually(() => first.revision === 9, 'the snapshot');
    await first.close();

    client.current = snapshot(2, [policy('free', 22)]);
    feed = new FakeChangeFeed();
    const second = await start();
    await eventually(() => second.revision === 2, 'the rebuilt control plane');
    expect(limitOf(second)).toBe(22);
    feed.send(upsert(3, 33));
    expect(limitOf(second)).toBe(33);
  });

  it('ignores a persisted snapshot of another control plane, or a corrupt one', async () => {
    client.current = snapshot(2, [policy('free', 10)]);
    const first = await start();
    await eventually(() => first.revision === 2, 'the snapshot');
    await first.close();

    client.down = true;
    const other = await start({ origin: { policyServiceUrl: 'http://elsewhere', namespace: 't' } });
    expect(other.current()).toBeUndefined();
    await other.close();

    writeFileSync(cacheFile(), '{"format":1,');
    const corrupt = await start();
    expect(corrupt.current()).toBeUndefined();
  });

  it('reports the revision age: zero while the feed is live, growing while it is not', async () => {
    client.current = snapshot(1);
    const source = await start();
    await eventually(() => source.revision === 1, 'the snapshot');
    expect(await metric(registry, 'rl_policy_revision_age_seconds')).toBe(0);
    feed.live = false;
    await new Promise((r) => setTimeout(r, 30));
    expect(await metric(registry, 'rl_policy_revision_age_seconds')).toBeGreaterThanOrEqual(0.02);
  });

  describe('signatures', () => {
    const forged = (revision: number, limit: number): string => JSON.stringify(upsert(revision, limit));
    const bytes = (value: string): Uint8Array => new TextEncoder().encode(value);

    it('applies no change that does not verify, keeps the revision, counts each by reason, and applies the next genuine one', async () => {
      client.current = snapshot(4, [policy('free', 10)]);
      const source = await start();
      await eventually(() => source.revision === 4, 'the snapshot');
      const calls = client.calls;

      feed.sendRaw(forged(5, 1_000_000_000)); // unsigned
      feed.sendRaw(signedChange(upsert(5, 1_000_000_000), forgerSigner)); // a key nobody trusts
      const wrong = parseSignedEnvelope(signedChange(upsert(5, 1_000_000_000), forgerSigner));
      if (!wrong.ok) throw new Error('expected an envelope');
      feed.sendRaw(encodeSignedEnvelope({ ...wrong, keyId: TEST_POLICY_KEY.keyId })); // claims the trusted key id
      const genuine = parseSignedEnvelope(signedChange(upsert(5, 20)));
      if (!genuine.ok) throw new Error('expected an envelope');
      feed.sendRaw(encodeSignedEnvelope({ ...genuine, payload: bytes(forged(6, 1_000_000_000)) })); // a genuine signature, replayed with a higher revision
      feed.sendRaw(`RLSIG1 ${TEST_POLICY_KEY.keyId} broken\n${forged(5, 1)}`); // a broken signature line

      expect(source.revision).toBe(4);
      expect(limitOf(source)).toBe(10);
      expect(await metric(registry, 'rl_policy_signature_rejections_total', { source: 'change', reason: 'unsigned' })).toBe(1);
      expect(await metric(registry, 'rl_policy_signature_rejections_total', { source: 'change', reason: 'unknown_key' })).toBe(1);
      expect(await metric(registry, 'rl_policy_signature_rejections_total', { source: 'change', reason: 'bad_signature' })).toBe(3);
      expect(await metric(registry, 'rl_policy_messages_rejected_total')).toBe(0);
      expect(published.map((s) => s.revision)).toEqual(['4']);

      feed.send(upsert(5, 20));
      expect(source.revision).toBe(5);
      expect(limitOf(source)).toBe(20);
      // Forgeries cause no snapshot reads: a forger must not make every enforcer hammer the policy service.
      await new Promise((r) => setTimeout(r, 20));
      expect(client.calls).toBe(calls);
    });

    it('logs a refused change at most once per interval per reason, with its subject and claimed revision, and never its bytes', async () => {
      client.current = snapshot(4, [policy('free', 10)]);
      const logs = new LogLines();
      const source = await start({ logs });
      await eventually(() => source.revision === 4, 'the snapshot');
      for (let i = 0; i < 50; i++) feed.sendRaw(forged(5 + i, 1_000_000_000));
      for (let i = 0; i < 50; i++) feed.sendRaw(signedChange(upsert(5, 1), forgerSigner));
      const refused = logs.lines.filter((l) => l.msg === 'ignoring a policy change that does not verify against POLICY_SIGNING_PUBLIC_KEYS');
      expect(refused).toEqual([
        expect.objectContaining({ level: 'warn', subject: 't.policy.changes', revision: 5, reason: 'unsigned', trustedKeyIds: [TEST_POLICY_KEY.keyId], suppressedSinceLastLog: 0 }),
        expect.objectContaining({ subject: 't.policy.changes', revision: 5, reason: 'unknown_key' }),
      ]);
      expect(JSON.stringify(logs.lines)).not.toContain('1000000000');
      expect(await metric(registry, 'rl_policy_signature_rejections_total', { source: 'change' })).toBe(100);
    });

    it('does not apply a snapshot that does not verify, counts it, and stays not ready without one', async () => {
      client.current = snapshot(4, [policy('free', 10)]);
      client.unverified = 'unknown_key';
      const source = await start();
      await eventually(async () => ((await metric(registry, 'rl_policy_signature_rejections_total', { source: 'snapshot', reason: 'unknown_key' })) ?? 0) >= 2, 'two refused snapshots');
      expect(source.current()).toBeUndefined();
      expect(source.notReadyReason()).toBe('no policy snapshot loaded yet (does not verify (unknown_key))');
      client.unverified = undefined;
      await eventually(() => source.revision === 4, 'the genuine snapshot');
    });

    it('replays a persisted journal only if every entry verifies', async () => {
      client.current = snapshot(2, [policy('free', 10)]);
      const first = await start();
      await eventually(() => first.revision === 2, 'the snapshot');
      feed.send(upsert(3, 30));
      feed.send(upsert(4, 40));
      await first.close();
      const good = readFileSync(cacheFile(), 'utf8');
      client.down = true;

      feed = new FakeChangeFeed();
      const restored = await start();
      expect(restored.revision).toBe(4);
      expect(limitOf(restored)).toBe(40);
      await restored.close();

      const file = JSON.parse(good) as { snapshot: string; changes: string[] };
      const tampered: Array<[string, object, string]> = [
        ['an edited snapshot', { ...file, snapshot: file.snapshot.replace('"limit":10', '"limit":1000') }, 'bad_signature'],
        ['an edited change', { ...file, changes: [file.changes[0].replace('"limit":30', '"limit":3000'), file.changes[1]] }, 'bad_signature'],
        ['a change signed by another key', { ...file, changes: [file.changes[0], new TextDecoder().decode(signedChange(upsert(4, 4_000), forgerSigner))] }, 'unknown_key'],
        ['an unsigned snapshot', { ...file, snapshot: JSON.stringify(snapshot(2, [policy('free', 10)])) }, 'unsigned'],
      ];
      for (const [, content, reason] of tampered) {
        writeFileSync(cacheFile(), JSON.stringify(content));
        feed = new FakeChangeFeed();
        const refused = await start();
        expect(refused.current()).toBeUndefined();
        expect(await metric(registry, 'rl_policy_signature_rejections_total', { source: 'cache', reason })).toBe(1);
        await refused.close();
      }
      // A journal with a hole is refused too, though every entry verifies.
      writeFileSync(cacheFile(), JSON.stringify({ ...file, changes: [file.changes[1]] }));
      const holed = await start();
      expect(holed.current()).toBeUndefined();
    });

    it('re-persists the snapshot once it is signed by another key (a rotation), so the old key can be retired', async () => {
      client.current = snapshot(3, [policy('free', 10)]);
      const source = await start({ resyncIntervalMs: 5 });
      await eventually(() => source.revision === 3, 'the snapshot');
      const firstLine = (): string => (JSON.parse(readFileSync(cacheFile(), 'utf8')) as { snapshot: string }).snapshot.split('\n')[0];
      await eventually(() => { try { return firstLine().startsWith(`RLSIG1 ${TEST_POLICY_KEY.keyId} `); } catch { return false; } }, 'the first write');
      const rotated = MessageSigner.fromText(generateSigningKeyPair().privateKey);
      client.signer = rotated;
      await eventually(() => firstLine().startsWith(`RLSIG1 ${rotated.keyId} `), 'the snapshot signed by the new key, persisted');
      expect(source.revision).toBe(3);
    });

    it('replaces a long journal with a fresh snapshot', async () => {
      client.current = snapshot(1, [policy('free', 10)]);
      const source = await start();
      await eventually(() => source.revision === 1, 'the snapshot');
      // The policy service is at 1,001 by the time the journal is full (the read starts synchronously).
      client.current = snapshot(1_001, [policy('free', 1_001)]);
      for (let r = 2; r <= 1_001; r++) feed.send(upsert(r, r));
      expect(source.revision).toBe(1_001);
      await eventually(async () => ((await metric(registry, 'rl_policy_resyncs_total', { reason: 'compact' })) ?? 0) === 1, 'a compacting resync');
      await source.close();
      const saved = JSON.parse(readFileSync(cacheFile(), 'utf8')) as { snapshot: string; changes: string[] };
      expect(saved.changes).toEqual([]);
      expect(saved.snapshot).toContain('"revision":1001');
    });
  });
});
