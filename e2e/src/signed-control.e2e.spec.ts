import {
  encodeSignedEnvelope,
  globalAllocationsStream,
  globalAllocationsSubject,
  globalWindowStartMs,
  parseSignedEnvelope,
  policyChangeMsgId,
  policyChangesStream,
  policyChangesSubject,
  reconcilerKvBucket,
  type SignedPurpose,
} from '@rl/contracts';
import { defaultStackSigningKeys, startReconciler, type ServiceHandle } from '@rl/devstack';
import { generateSigningKeyPair, MessageSigner } from '@rl/platform';
import { connect, type NatsConnection } from 'nats';
import { check, sleep } from './http';
import { NATS_URL, startControlPlaneStack, type ControlPlaneStack } from './stack';

/** CONTRACT.md: every enforcer applies a change within one second. */
const PROPAGATION_BUDGET_MS = 1_000;
const REGIONS = ['us-east', 'eu-west'] as const;
const GLOBAL_LIMIT = 100;
const WINDOW_SECONDS = 3_600;
const FORGED_EPOCH = 1_000_000_000_000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The sum of the samples of `name` whose labels include `labels`, in Prometheus text. */
function sampleSum(metrics: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of metrics.split('\n')) {
    const match = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    if (!Object.entries(labels).every(([k, v]) => (match[2] ?? '').includes(`${k}="${v}"`))) continue;
    sum += Number(match[3]);
  }
  return sum;
}

async function metricsOf(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * Issue 13, "Done when": forged policy changes and forged allocations published on the real NATS of
 * a running stack (policy service, reconciler, two regions; every process started by devstack with
 * the stack's signing keys) are not applied anywhere, and the next genuine change still applies
 * within a second. The forger can publish anything on any subject, and knows every message id
 * scheme; it has no private key.
 */
describe('signed control messages: forgeries on the real NATS change nothing', () => {
  let stack: ControlPlaneStack;
  let reconciler: ServiceHandle;
  let nc: NatsConnection;
  let unique: string;
  const forger = MessageSigner.fromText(generateSigningKeyPair().privateKey);
  const trustedPolicyKeyId = defaultStackSigningKeys().policy.keyId;
  const trustedAllocationKeyId = defaultStackSigningKeys().allocation.keyId;

  beforeAll(async () => {
    // Global counts restart with each hour-long window: keep the suite inside one of them.
    const windowMs = WINDOW_SECONDS * 1000;
    const untilEnd = Math.ceil(Date.now() / windowMs) * windowMs - Date.now();
    if (untilEnd < 90_000) await sleep(untilEnd + 100);
    stack = await startControlPlaneStack({ label: 'sig', enforcerEnv: { GLOBAL_REGIONS: REGIONS.join(',') } });
    unique = stack.unique;
    reconciler = await startReconciler({ regions: REGIONS, natsUrl: NATS_URL, namespace: stack.namespace, instanceId: `e2e-sig-reconciler-${unique}` });
    nc = await connect({ servers: NATS_URL, name: 'e2e forger' });
  }, 150_000);

  afterAll(async () => {
    await reconciler?.stop();
    await stack?.stop();
    if (nc !== undefined) {
      const jsm = await nc.jetstreamManager();
      await jsm.streams.delete(globalAllocationsStream(stack.namespace)).catch(() => false);
      await jsm.streams.delete(`KV_${reconcilerKvBucket(stack.namespace)}`).catch(() => false);
      await nc.close();
    }
  });

  async function admin(method: 'POST' | 'PUT', path: string, body: unknown): Promise<void> {
    const res = await fetch(`${stack.policyService.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect({ path, status: res.status, body: await res.text() }).toMatchObject({ status: method === 'POST' ? 201 : 200 });
  }

  /** The limit `url` decides with for `customerId`, on a fresh key (nothing shared is consumed). */
  async function limitSeen(url: string, customerId: string, probe: string): Promise<number> {
    return (await check(url, { key: `probe:${unique}:${probe}`, customerId })).body.limit;
  }

  /** Milliseconds from `since` until `url` decides for `customerId` with `limit`. */
  async function timeUntilEnforced(url: string, customerId: string, limit: number, since: number): Promise<number> {
    for (let probe = 0; ; probe++) {
      if ((await limitSeen(url, customerId, `${limit}:${probe}`)) === limit) return Date.now() - since;
      if (Date.now() - since > 10_000) throw new Error(`${url} does not enforce ${limit} for ${customerId} after 10 s`);
    }
  }

  async function revisions(): Promise<number[]> {
    return Promise.all(stack.enforcers().map(async (e) => sampleSum(await metricsOf(e.url), 'rl_policy_revision')));
  }

  async function publish(subject: string, data: Uint8Array, msgId: string): Promise<void> {
    await nc.jetstream().publish(subject, data, { msgID: msgId });
  }

  /** A genuine message of the stream with another payload: its signature replayed over changed bytes. */
  async function replayed(stream: string, subject: string, payload: Uint8Array): Promise<Uint8Array> {
    const stored = await (await nc.jetstreamManager()).streams.getMessage(stream, { last_by_subj: subject });
    const genuine = parseSignedEnvelope(stored.data);
    if (!genuine.ok) throw new Error(`the last message on ${subject} is not signed`);
    return encodeSignedEnvelope({ ...genuine, payload });
  }

  function forged(purpose: SignedPurpose, payload: Uint8Array): { envelope: Uint8Array; signature: Uint8Array; impersonating: Uint8Array } {
    const signed = forger.sign(purpose, payload);
    // The same forged signature under the trusted key's id.
    const keyId = purpose === 'allocation' ? trustedAllocationKeyId : trustedPolicyKeyId;
    return { ...signed, impersonating: encodeSignedEnvelope({ keyId, signature: signed.signature, payload }) };
  }

  it('applies no forged policy change in any region (unsigned, wrong key, replayed with a higher revision); the next genuine change applies within 1 s', async () => {
    const customerId = `acme-${unique}`;
    await admin('POST', '/v1/policies', { id: 'sig-tier', match: { customerTier: 'sig' }, algorithm: 'fixed_window', limit: 10, windowSeconds: WINDOW_SECONDS });
    await admin('PUT', `/v1/customers/${customerId}`, { tier: 'sig' });
    for (const enforcer of stack.enforcers()) await timeUntilEnforced(enforcer.url, customerId, 10, Date.now());
    const before = await revisions();
    const revision = Math.max(...before);
    expect(before).toEqual([revision, revision]);

    const next = revision + 1;
    const subject = policyChangesSubject(stack.namespace);
    const stream = policyChangesStream(stack.namespace);
    const body = (r: number): Uint8Array =>
      encoder.encode(
        JSON.stringify({
          revision: r,
          committedAt: new Date().toISOString(),
          change: {
            kind: 'override.upserted',
            customerId,
            policy: { id: `override-${customerId}`, match: { customerId }, algorithm: 'fixed_window', limit: 1_000_000_000, windowSeconds: 60, burst: 1_000_000_000, scope: 'regional', failureMode: 'open', mode: 'enforce', version: 1 },
          },
        }),
      );
    const wrongKey = forged('policy-change', body(next));
    const replay = await replayed(stream, subject, body(next));
    const replayHigher = await replayed(stream, subject, body(next + 10));
    // Every forgery goes out under ids a forger can compute, so one would hold the genuine revision's dedup slot if ids were guessable.
    await publish(subject, body(next), `policy-rev-${next}`); // unsigned
    await publish(subject, wrongKey.envelope, policyChangeMsgId(next, wrongKey.signature)); // a key nobody trusts
    await publish(subject, wrongKey.impersonating, `impersonating-${next}`); // the trusted key id, a forged signature
    await publish(subject, replay, `replay-${next}`); // a genuine signature, replayed as revision r + 1
    await publish(subject, replayHigher, `replay-${next + 10}`); // ... and with a revision far ahead

    for (const enforcer of stack.enforcers()) {
      const metrics = await until(`${enforcer.url} to refuse all five`, async () => {
        const text = await metricsOf(enforcer.url);
        return sampleSum(text, 'rl_policy_signature_rejections_total', { source: 'change' }) >= 5 ? text : undefined;
      });
      expect(sampleSum(metrics, 'rl_policy_signature_rejections_total', { source: 'change', reason: 'unsigned' })).toBe(1);
      expect(sampleSum(metrics, 'rl_policy_signature_rejections_total', { source: 'change', reason: 'unknown_key' })).toBe(1);
      expect(sampleSum(metrics, 'rl_policy_signature_rejections_total', { source: 'change', reason: 'bad_signature' })).toBe(3);
      expect(await limitSeen(enforcer.url, customerId, 'after-forgeries')).toBe(10);
    }
    expect(await revisions()).toEqual(before);
    const snapshot = (await (await fetch(`${stack.policyService.url}/v1/policies/snapshot`, { headers: { authorization: `Bearer ${stack.adminToken}` } })).json()) as { revision: number };
    expect(snapshot.revision).toBe(revision);

    // The next genuine change takes revision r + 1 and applies everywhere within the budget.
    await admin('PUT', '/admin/limits', { customer_id: customerId, limit: 7, window: '1h' });
    const acknowledged = Date.now();
    const latencies = await Promise.all(stack.enforcers().map((e) => timeUntilEnforced(e.url, customerId, 7, acknowledged)));
    console.log(`genuine change after forgeries, admin 200 -> both regions enforcing (ms): ${latencies.join(', ')}`);
    expect(Math.max(...latencies)).toBeLessThan(PROPAGATION_BUDGET_MS);
    expect(await revisions()).toEqual([next, next]);
  });

  it('applies no forged allocation in any region (unsigned, wrong key, replayed with a higher epoch); genuine allocations still apply within 1 s', async () => {
    const customerId = `globex-${unique}`;
    const busy = `sigk${unique}`;
    const idle = `sigq${unique}`;
    const later = `sigz${unique}`;
    // failureMode closed: a decision the store could not make (a slow Redis on a loaded machine) is
    // a 503 that admits nothing, rather than an admission from the local fallback bucket, so what
    // this test counts is what the region's cap admitted.
    await admin('POST', '/v1/policies', { id: 'sig-global', match: { customerTier: 'sigglobal' }, algorithm: 'fixed_window', limit: GLOBAL_LIMIT, windowSeconds: WINDOW_SECONDS, scope: 'global', failureMode: 'closed' });
    await admin('PUT', `/v1/customers/${customerId}`, { tier: 'sigglobal' });
    const [east, west] = stack.enforcers().map((e) => e.url);
    const stream = globalAllocationsStream(stack.namespace);
    const jsm = await nc.jetstreamManager();

    // Demand in us-east until the reconciler has published a genuine allocation (one to replay).
    await until('a genuine allocation on the stream', async () => {
      await Promise.all(Array.from({ length: 3 }, () => check(east, { key: busy, customerId })));
      const info = await jsm.streams.info(stream).catch(() => undefined);
      return (info?.state.messages ?? 0) > 0 ? true : undefined;
    }, 30_000, 300);
    const genuineSubject = (await jsm.streams.getMessage(stream, { seq: (await jsm.streams.info(stream)).state.last_seq })).subject;

    const epochsBefore = await Promise.all([east, west].map(async (url) => sampleSum(await metricsOf(url), 'rl_global_applied_epoch')));
    const windowStartMs = globalWindowStartMs(Date.now(), WINDOW_SECONDS);
    for (const region of REGIONS) {
      const subject = globalAllocationsSubject(stack.namespace, region);
      // The whole global limit to both regions, under an epoch that would make every genuine one look stale.
      const update = encoder.encode(
        JSON.stringify({
          schema: 1,
          epoch: FORGED_EPOCH,
          region,
          issuedAtMs: Date.now(),
          leaseSeconds: 5,
          windows: [{ policyId: 'sig-global', windowStartMs, windowSeconds: WINDOW_SECONDS, limit: GLOBAL_LIMIT, keys: [[busy, GLOBAL_LIMIT], [idle, GLOBAL_LIMIT], [later, GLOBAL_LIMIT]] }],
        }),
      );
      const wrongKey = forged('allocation', update);
      await publish(subject, update, `alloc-${Math.max(...epochsBefore) + 1}-${region}-0`); // unsigned
      await publish(subject, wrongKey.envelope, `forged-${region}`); // a key nobody trusts
      await publish(subject, wrongKey.impersonating, `impersonating-${region}`); // the trusted key id, a forged signature
      await publish(subject, await replayed(stream, genuineSubject, update), `replay-${region}`); // a genuine signature over the forged update
    }

    for (const url of [east, west]) {
      const metrics = await until(`${url} to refuse all four`, async () => {
        const text = await metricsOf(url);
        return sampleSum(text, 'rl_global_allocation_signature_rejections_total') >= 4 ? text : undefined;
      });
      expect(sampleSum(metrics, 'rl_global_allocation_signature_rejections_total', { reason: 'unsigned' })).toBe(1);
      expect(sampleSum(metrics, 'rl_global_allocation_signature_rejections_total', { reason: 'unknown_key' })).toBe(1);
      expect(sampleSum(metrics, 'rl_global_allocation_signature_rejections_total', { reason: 'bad_signature' })).toBe(2);
      expect(sampleSum(metrics, 'rl_global_applied_epoch')).toBeLessThan(FORGED_EPOCH);
      // A key nobody has used is still at the static split in both regions: 100 / 2 = 50, one used by this check.
      const first = await until('a decision by the store', async () => {
        const reply = await check(url, { key: idle, customerId });
        return reply.body.degraded === true ? undefined : reply;
      });
      expect(first.body).toMatchObject({ allowed: true, remaining: GLOBAL_LIMIT / 2 - 1 });
    }

    // Genuine allocations still apply, to a key the forgeries named too: demand in us-east for a key
    // first used now; each time the reconciler issues us-east a new allocation for it (issued after
    // the forgeries), us-east enforces it within the budget. Had the forged epoch been applied, every
    // genuine one would be stale for this key, and us-east would enforce the forged 100.
    const latencies: number[] = [];
    let admittedLater = 0;
    let issued = GLOBAL_LIMIT / 2;
    let issuedAt = 0;
    const deadline = Date.now() + 40_000;
    while (Date.now() < deadline && !(issued > GLOBAL_LIMIT / 2 && latencies.length > 0 && issuedAt === 0)) {
      const view = (await (await fetch(`${reconciler.url}/v1/global/usage?policyId=sig-global&key=${later}`)).json()) as { regions?: Array<{ region: string; allocation: number }> };
      const allocation = view.regions?.find((r) => r.region === 'us-east')?.allocation ?? GLOBAL_LIMIT / 2;
      if (allocation !== issued) {
        issued = allocation;
        issuedAt = Date.now();
      }
      const reply = await check(east, { key: later, customerId });
      if (reply.body.degraded === true) continue; // the store did not decide (503): nothing counted
      if (reply.status === 200) admittedLater += 1;
      if (admittedLater === 1 && reply.status === 200) expect(reply.body.remaining).toBe(GLOBAL_LIMIT / 2 - 1);
      // The cap us-east enforces: what it can still admit plus what it has admitted.
      const cap = reply.body.remaining + admittedLater;
      if (issuedAt > 0 && cap === issued) {
        latencies.push(Date.now() - issuedAt);
        issuedAt = 0;
      }
      await sleep(50);
    }
    console.log(`genuine allocations after forgeries, reconciler issued -> us-east enforcing (ms): ${latencies.join(', ')}; last allocation ${issued}`);
    expect(issued).toBeGreaterThan(GLOBAL_LIMIT / 2);
    expect(issued).toBeLessThan(GLOBAL_LIMIT);
    expect(latencies.length).toBeGreaterThan(0);
    expect(Math.max(...latencies)).toBeLessThan(PROPAGATION_BUDGET_MS);
    const epochsAfter = await Promise.all([east, west].map(async (url) => sampleSum(await metricsOf(url), 'rl_global_applied_epoch')));
    expect(epochsAfter[0]).toBeGreaterThan(epochsBefore[0]);
    expect(Math.max(...epochsAfter)).toBeLessThan(FORGED_EPOCH);
    expect(decoder.decode((await jsm.streams.getMessage(stream, { last_by_subj: globalAllocationsSubject(stack.namespace, 'us-east') })).data)).toMatch(/^RLSIG1 /);
  });
});
