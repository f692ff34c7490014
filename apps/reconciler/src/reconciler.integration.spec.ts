import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { globalAllocationsStream, globalAllocationsSubject, reconcilerKvBucket } from '@rl/contracts';
import { createLogger, MessageSigner } from '@rl/platform';
import { waitFor } from '@rl/testing';
import { connect, nanos, type NatsConnection } from 'nats';
import { ReconcilerConfig } from './config/reconciler-config';
import { createReconcilerApp } from './app.module';
import { ReconcilerService } from './reconcile/reconciler.service';
import { FakeRegion } from './testing/fake-region';
import { FORGER_KEY, reconcilerSigningEnv, TEST_ALLOCATION_KEY, testUsageKey, testUsageSigner } from './testing/signing-keys';

const LIMIT = 1000;
const POLICY = 'search';
const WINDOW_SECONDS = 86_400;
const REGIONS = ['us-east', 'eu-west'];

interface Running {
  readonly app: NestFastifyApplication;
  readonly service: ReconcilerService;
  readonly instanceId: string;
}

async function startReconciler(namespace: string, instanceId: string, env: Record<string, string> = {}): Promise<Running> {
  const config = ReconcilerConfig.fromEnv({
    NATS_NAMESPACE: namespace,
    RECONCILER_REGIONS: REGIONS.join(','),
    RECONCILER_INTERVAL_MS: '200',
    RECONCILER_LEADER_LEASE_MS: '1500',
    RECONCILER_REGION_LEASE_SECONDS: '3',
    INSTANCE_ID: instanceId,
    LOG_LEVEL: 'silent',
    ...reconcilerSigningEnv(REGIONS),
    ...env,
  });
  const app = await createReconcilerApp({ config, logger: createLogger({ service: 'reconciler', level: (process.env.TEST_LOG_LEVEL ?? 'silent') as 'silent' }) });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const service = app.get(ReconcilerService);
  await waitFor(
    `reconciler ${instanceId} ready`,
    async () => {
      if ((await app.inject({ method: 'GET', url: '/readyz' })).statusCode !== 200) return false;
      // Ready means the allocation stream was read to its end and the lease state is known.
      expect(service.status()).toMatchObject({ caughtUp: true, leaseKnown: true });
      return true;
    },
    15_000,
    10,
  );
  return { app, service, instanceId };
}

/** Stops a reconciler the way a crash would (no resignation): its lease has to expire. */
async function crash(running: Running): Promise<void> {
  await running.service.stop({ resign: false });
  await running.app.close();
}

async function get(app: NestFastifyApplication, url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await app.inject({ method: 'GET', url });
  return { status: response.statusCode, body: response.json() };
}

/** The value of an unlabelled-but-for-defaults series in Prometheus text. */
function metricValue(text: string, name: string): number {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  if (match === null) throw new Error(`no ${name} in /metrics`);
  return Number(match[1]);
}

function regionRow(body: Record<string, unknown>, region: string): Record<string, unknown> {
  const rows = body.regions as Array<Record<string, unknown>>;
  return rows.find((r) => r.region === region) ?? {};
}

describe('reconciler against real NATS JetStream', () => {
  let namespace: string;
  let nc: NatsConnection;
  const running: Running[] = [];
  const regions: FakeRegion[] = [];
  /** The highest sum of the caps both regions enforced at one moment. */
  let worstSum = 0;
  const observe = (): void => {
    if (regions.length < 2) return;
    worstSum = Math.max(worstSum, regions.reduce((s, r) => s + r.cap('user:1'), 0));
  };

  beforeEach(async () => {
    namespace = `t${Math.random().toString(36).slice(2, 12)}`;
    nc = await connect({ servers: 'nats://127.0.0.1:4222', name: 'reconciler tests' });
    worstSum = 0;
  });

  afterEach(async () => {
    for (const r of regions.splice(0)) await r.stop();
    for (const r of running.splice(0)) await r.app.close();
    const jsm = await nc.jetstreamManager();
    for (const stream of [globalAllocationsStream(namespace), `KV_${reconcilerKvBucket(namespace)}`]) {
      await jsm.streams.delete(stream).catch((error: unknown) => {
        if (!/not found/i.test(String(error))) throw error;
      });
    }
    await nc.close();
  });

  async function startRegions(): Promise<[FakeRegion, FakeRegion]> {
    for (const region of REGIONS) {
      regions.push(await FakeRegion.start({ namespace, region, regions: REGIONS.length, policyId: POLICY, limit: LIMIT, windowSeconds: WINDOW_SECONDS, onApply: observe }));
    }
    return [regions[0], regions[1]];
  }

  /** One sync interval of both regions: demand, then an absolute report each. */
  async function tick(us: FakeRegion, eu: FakeRegion, demand: [number, number]): Promise<void> {
    us.admit('user:1', demand[0]);
    eu.admit('user:1', demand[1]);
    us.publish();
    eu.publish();
    await us.flush();
    await eu.flush();
    observe();
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  it('moves share to the demanding region, never above the limit; a duplicate report changes nothing', async () => {
    const a = await startReconciler(namespace, 'rec-a');
    running.push(a);
    const [us, eu] = await startRegions();
    await waitFor('a leader', async () => a.service.status().leader, 10_000);
    for (let i = 0; i < 40 && us.cap('user:1') < 900; i += 1) await tick(us, eu, [60, 0]);
    expect(us.cap('user:1')).toBeGreaterThanOrEqual(900);
    expect(eu.cap('user:1')).toBe(10); // the floor: max(1, 1000 * 2% / 2)
    expect(worstSum).toBeLessThanOrEqual(LIMIT);

    const before = await get(a.app, `/v1/global/usage?policyId=${POLICY}&key=user:1`);
    expect(before.status).toBe(200);
    const report = us.report();
    us.publish(report);
    us.publish(report);
    await us.flush();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = await get(a.app, `/v1/global/usage?policyId=${POLICY}&key=user:1`);
    expect(regionRow(after.body, 'us-east').admitted).toBe(us.admitted.get('user:1'));
    expect(regionRow(after.body, 'us-east').admitted).toBe(regionRow(before.body, 'us-east').admitted);
    expect(after.body).toMatchObject({ policyId: POLICY, key: 'user:1', limit: LIMIT, windowSeconds: WINDOW_SECONDS, leader: true });
    expect(regionRow(after.body, 'eu-west')).toMatchObject({ allocation: 10, silent: false });
  });

  it('keeps one book per limit of a stacked policy: each limit\'s usage is summed over the regions and its allocations come back under its name', async () => {
    const a = await startReconciler(namespace, 'rec-a');
    running.push(a);
    const limitOf = async (region: string, limitName: string): Promise<FakeRegion> => {
      const fake = await FakeRegion.start({ namespace, region, regions: REGIONS.length, policyId: POLICY, limit: LIMIT, windowSeconds: WINDOW_SECONDS, limitName, instanceId: `${region}-${limitName}` });
      regions.push(fake);
      return fake;
    };
    // Two global limits of one stack, with the same window: only their names keep them apart.
    const [usMinute, euMinute, usBulk, euBulk] = [await limitOf('us-east', 'minute'), await limitOf('eu-west', 'minute'), await limitOf('us-east', 'bulk'), await limitOf('eu-west', 'bulk')];
    await waitFor('a leader', async () => a.service.status().leader, 10_000);
    for (let i = 0; i < 40 && (usMinute.cap('user:1') < 900 || euBulk.cap('user:1') < 900); i += 1) {
      usMinute.admit('user:1', 60);
      euMinute.admit('user:1', 5);
      euBulk.admit('user:1', 60);
      usBulk.admit('user:1', 5);
      for (const fake of [usMinute, euMinute, usBulk, euBulk]) fake.publish();
      for (const fake of [usMinute, euMinute, usBulk, euBulk]) await fake.flush();
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    // Demand on "minute" is in us-east, on "bulk" in eu-west: each limit's share moved its own way.
    expect(usMinute.cap('user:1')).toBeGreaterThanOrEqual(900);
    expect(euMinute.cap('user:1')).toBeLessThan(100);
    expect(euBulk.cap('user:1')).toBeGreaterThanOrEqual(900);
    expect(usBulk.cap('user:1')).toBeLessThan(100);
    expect(usMinute.cap('user:1') + euMinute.cap('user:1')).toBeLessThanOrEqual(LIMIT);
    expect(usBulk.cap('user:1') + euBulk.cap('user:1')).toBeLessThanOrEqual(LIMIT);
    // Both regions' usage of one limit is summed in its own book.
    const book = a.service.quotaBook();
    const nowMs = Date.now();
    const minute = book.currentWindow(POLICY, nowMs, 'minute');
    const minuteKey = minute?.keys.get('user:1');
    expect(minute && minuteKey && book.usageRows(minute, minuteKey, nowMs).map((row) => [row.region, row.admitted])).toEqual([
      ['us-east', usMinute.admitted.get('user:1')],
      ['eu-west', euMinute.admitted.get('user:1')],
    ]);
  });

  it('rejects and counts malformed reports without crashing, and answers 400 and 404 on bad queries', async () => {
    const a = await startReconciler(namespace, 'rec-a');
    running.push(a);
    const [us] = await startRegions();
    const signed = (region: string, text: string): Uint8Array => testUsageSigner(region).sign('usage-report', new TextEncoder().encode(text)).envelope;
    us.publishRaw(signed('us-east', '{"schema":'));
    us.publishRaw(signed('us-east', JSON.stringify({ ...us.report(), windows: [{ policyId: 'BAD ID' }] })));
    us.publishRaw(signed('eu-west', JSON.stringify(us.report())), 'eu-west'); // a us-east report on eu-west's subject, signed by eu-west
    us.publishRaw(JSON.stringify({ ...us.report(), region: 'mars' }), 'mars');
    await us.flush();
    await waitFor('reports counted', async () => {
      const metrics = (await a.app.inject({ method: 'GET', url: '/metrics' })).body;
      return (
        metrics.includes('rl_reconciler_reports_total{result="malformed",service="reconciler"} 2') &&
        metrics.includes('rl_reconciler_reports_total{result="region_mismatch",service="reconciler"} 1') &&
        metrics.includes('rl_reconciler_reports_total{result="unknown_region",service="reconciler"} 1')
      );
    }, 5_000);
    expect((await get(a.app, '/healthz')).status).toBe(200);
    expect(await get(a.app, '/v1/global/usage')).toEqual({ status: 400, body: { error: 'bad_request', field: 'policyId', message: 'policyId is required' } });
    expect((await get(a.app, '/v1/global/usage?policyId=Bad%20Id')).body).toMatchObject({ error: 'bad_request', field: 'policyId' });
    expect((await get(a.app, `/v1/global/usage?policyId=${POLICY}&key=a%20b`)).body).toMatchObject({ error: 'bad_request', field: 'key' });
    expect(await get(a.app, '/v1/global/usage?policyId=unknown')).toMatchObject({ status: 404, body: { error: 'not_found' } });
    us.publish();
    await us.flush();
    await waitFor('usage visible', async () => (await get(a.app, `/v1/global/usage?policyId=${POLICY}`)).status === 200, 5_000);
    expect(await get(a.app, `/v1/global/usage?policyId=${POLICY}&key=user:2`)).toMatchObject({ status: 404, body: { error: 'not_found' } });
    const metrics = (await a.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('rl_reconciler_leader');
    // No key material in what the reconciler shows.
    const readyz = (await a.app.inject({ method: 'GET', url: '/readyz' })).body;
    for (const key of [TEST_ALLOCATION_KEY.privateKey, TEST_ALLOCATION_KEY.publicKey, testUsageKey('us-east').publicKey]) {
      for (const shown of [metrics, readyz]) expect(shown).not.toContain(key.slice(16, 48));
    }
    expect(metrics).toContain('rl_reconciler_cycle_seconds_bucket');
  });

  it('rejects reports for region R not signed by R\'s key, so one region cannot starve the others', async () => {
    const a = await startReconciler(namespace, 'rec-a');
    running.push(a);
    const [us, eu] = await startRegions();
    await waitFor('a leader', async () => a.service.status().leader, 10_000);
    // eu-west really is busy; forged reports would claim us-east is even busier, to pull the whole limit to us-east.
    const forged = (): string => JSON.stringify({ ...us.report(), windows: [{ ...us.report().windows[0], keys: [['user:1', 0, 1_000_000]] }] });
    for (let i = 0; i < 10; i += 1) {
      eu.admit('user:1', 60);
      eu.publish();
      us.publish(); // us-east's genuine report: no demand
      us.publishRaw(forged()); // unsigned
      us.publishRaw(testUsageSigner('eu-west').sign('usage-report', new TextEncoder().encode(forged())).envelope); // another region's key
      us.publishRaw(MessageSigner.fromText(FORGER_KEY.privateKey).sign('usage-report', new TextEncoder().encode(forged())).envelope); // nobody's key
      await us.flush();
      await eu.flush();
      observe();
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const metrics = (await a.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('rl_reconciler_reports_total{result="unsigned",service="reconciler"} 10');
    expect(metrics).toContain('rl_reconciler_reports_total{result="unknown_key",service="reconciler"} 20');
    const view = await get(a.app, `/v1/global/usage?policyId=${POLICY}&key=user:1`);
    expect(regionRow(view.body, 'us-east').denied ?? 0).toBe(0);
    expect(eu.cap('user:1')).toBeGreaterThan(LIMIT / 2);
    expect(worstSum).toBeLessThanOrEqual(LIMIT);
  });

  it('counts as issued only allocations signed with an allocation key, and signs its own with ids a forger cannot take first', async () => {
    const a = await startReconciler(namespace, 'rec-a');
    running.push(a);
    const [us, eu] = await startRegions();
    await waitFor('a leader', async () => a.service.status().leader, 10_000);
    const js = nc.jetstream();
    const next = a.service.status().epoch + 1;
    // A forged allocation for the next epochs, under the ids the reconciler used to use.
    const forged = JSON.stringify({ schema: 1, epoch: next, region: 'us-east', issuedAtMs: Date.now(), leaseSeconds: 5, windows: [] });
    for (let epoch = next; epoch < next + 20; epoch += 1) {
      await js.publish(globalAllocationsSubject(namespace, 'us-east'), new TextEncoder().encode(forged.replace(`"epoch":${next}`, `"epoch":${epoch}`)), { msgID: `alloc-${epoch}-us-east-0` });
    }
    for (let i = 0; i < 40 && us.cap('user:1') < 900; i += 1) await tick(us, eu, [60, 0]);
    expect(us.cap('user:1')).toBeGreaterThanOrEqual(900);
    const metrics = (await a.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/rl_reconciler_allocation_messages_rejected_total\{service="reconciler"\} 20/);
    // The genuine updates are on the stream, signed by the reconciler's key under signature-derived ids.
    const jsm = await nc.jetstreamManager();
    const last = await jsm.streams.getMessage(globalAllocationsStream(namespace), { last_by_subj: globalAllocationsSubject(namespace, 'us-east') });
    expect(new TextDecoder().decode(last.data)).toMatch(new RegExp(`^RLSIG1 ${TEST_ALLOCATION_KEY.keyId} `));
    expect(last.header?.get('Nats-Msg-Id')).toMatch(/^alloc-\d+-us-east-0-[A-Za-z0-9_-]{22}$/);
  });

  it('a restart loses nothing: the next reconciler continues from the same epoch and the same allocations', async () => {
    const a = await startReconciler(namespace, 'rec-a');
    running.push(a);
    const [us, eu] = await startRegions();
    await waitFor('a leader', async () => a.service.status().leader, 10_000);
    for (let i = 0; i < 40 && us.cap('user:1') < 900; i += 1) await tick(us, eu, [60, 0]);
    const capsBefore = [us.cap('user:1'), eu.cap('user:1')];
    const epochBefore = a.service.status().epoch;
    await running.splice(0)[0].app.close();

    const b = await startReconciler(namespace, 'rec-b');
    running.push(b);
    await waitFor('b restored and leading', async () => b.service.status().leader && b.service.status().caughtUp, 10_000);
    expect(b.service.status().epoch).toBeGreaterThanOrEqual(epochBefore);
    const view = await get(b.app, `/v1/global/usage?policyId=${POLICY}&key=user:1`);
    expect([regionRow(view.body, 'us-east').allocation, regionRow(view.body, 'eu-west').allocation]).toEqual(capsBefore);
    // Same demand as before: new epochs carry on above the old ones, the allocations stay put.
    const historyLength = us.history.length + eu.history.length;
    for (let i = 0; i < 8; i += 1) await tick(us, eu, [0, 0]);
    const newer = [...us.history, ...eu.history].slice(historyLength);
    for (const entry of newer) expect(entry.epoch).toBeGreaterThan(epochBefore);
    expect([us.cap('user:1'), eu.cap('user:1')]).toEqual(capsBefore);
    expect(worstSum).toBeLessThanOrEqual(LIMIT);
  });

  it('restarts after a quiet period longer than the stream keeps allocations: reads the empty stream to its end, leads and reallocates', async () => {
    const a = await startReconciler(namespace, 'rec-a');
    running.push(a);
    const [us, eu] = await startRegions();
    await waitFor('a leader', async () => a.service.status().leader, 10_000);
    for (let i = 0; i < 40 && us.cap('user:1') < 900; i += 1) await tick(us, eu, [60, 0]);
    expect(us.cap('user:1')).toBeGreaterThanOrEqual(900);
    await running.splice(0)[0].app.close();
    for (const r of regions.splice(0)) await r.stop();

    // The quiet period: every allocation ages out of the stream (a short max age here; 300 s by
    // default), which keeps its last sequence but holds no message.
    const jsm = await nc.jetstreamManager();
    const stream = globalAllocationsStream(namespace);
    const config = (await jsm.streams.info(stream)).config;
    await jsm.streams.update(stream, { ...config, max_age: nanos(1_000), duplicate_window: nanos(1_000) });
    await waitFor('every allocation expired', async () => (await jsm.streams.info(stream)).state.messages === 0, 15_000, 100);
    const lastSeq = (await jsm.streams.info(stream)).state.last_seq;
    expect(lastSeq).toBeGreaterThan(0);

    const b = await startReconciler(namespace, 'rec-b');
    running.push(b);
    await waitFor('b read the stream and leads', async () => b.service.status().caughtUp && b.service.status().leader, 10_000);
    // The stream lost allocations of the current window (its last message is younger than the
    // max age: purged, as far as b can tell): b sends nothing for that window while a region may
    // still hold one of them.
    expect(b.service.quotaBook().unknownHistoryBeforeMs).toBeDefined();
    // Fresh regions (the whole stack restarted, nothing applied anywhere): the same 80/20 shift
    // moves share again.
    const [us2, eu2] = await startRegions();
    for (let i = 0; i < 40 && us2.cap('user:1') < 900; i += 1) await tick(us2, eu2, [60, 0]);
    expect(us2.cap('user:1')).toBeGreaterThanOrEqual(900);
    expect(b.service.quotaBook().unknownHistoryBeforeMs).toBeUndefined();
    expect(worstSum).toBeLessThanOrEqual(LIMIT);
    const metrics = (await b.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metricValue(metrics, 'rl_reconciler_cycle_seconds_count')).toBeGreaterThan(0);
    expect(metricValue(metrics, 'rl_reconciler_stalled')).toBe(0);
  });

  it('restarts after the stream lost allocations that running regions still enforce: sends nothing for that window, never above the limit', async () => {
    const a = await startReconciler(namespace, 'rec-a');
    running.push(a);
    const [us, eu] = await startRegions();
    await waitFor('a leader', async () => a.service.status().leader, 10_000);
    for (let i = 0; i < 40 && us.cap('user:1') < 900; i += 1) await tick(us, eu, [60, 0]);
    const caps = [us.cap('user:1'), eu.cap('user:1')];
    expect(caps[0]).toBeGreaterThanOrEqual(900);
    await running.splice(0)[0].app.close();
    const jsm = await nc.jetstreamManager();
    await jsm.streams.purge(globalAllocationsStream(namespace));

    const b = await startReconciler(namespace, 'rec-b');
    running.push(b);
    await waitFor('b leads', async () => b.service.status().leader, 10_000);
    const historyLength = us.history.length + eu.history.length;
    // us-east keeps running dry. b knows nothing of the caps the regions hold (it would take
    // us-east for a region at the static split and "raise" it): it sends nothing for this window.
    for (let i = 0; i < 10; i += 1) await tick(us, eu, [60, 0]);
    expect(us.history.length + eu.history.length).toBe(historyLength);
    expect([us.cap('user:1'), eu.cap('user:1')]).toEqual(caps);
    expect(worstSum).toBeLessThanOrEqual(LIMIT);
    expect(b.service.quotaBook().unknownHistoryBeforeMs).toBeDefined();
  });

  it('a leader that completes no cycle for 3 intervals while reports arrive is stalled (metric, not-ready names the stream), and recovers', async () => {
    const a = await startReconciler(namespace, 'rec-a');
    running.push(a);
    const [us, eu] = await startRegions();
    await waitFor('a leader', async () => a.service.status().leader, 10_000);
    for (let i = 0; i < 5; i += 1) await tick(us, eu, [10, 10]);
    const stalledOf = async (): Promise<number> => metricValue((await a.app.inject({ method: 'GET', url: '/metrics' })).body, 'rl_reconciler_stalled');
    expect(await stalledOf()).toBe(0);

    // The stream disappears under the leader: it cannot read it to its end, so it runs no cycle.
    const jsm = await nc.jetstreamManager();
    const stream = globalAllocationsStream(namespace);
    const config = (await jsm.streams.info(stream)).config;
    await jsm.streams.delete(stream);
    for (let i = 0; i < 40 && (await stalledOf()) === 0; i += 1) await tick(us, eu, [10, 10]);
    expect(await stalledOf()).toBe(1);
    expect(a.service.status().stalled).toMatch(/allocation stream not read to its end/);
    const readyz = await get(a.app, '/readyz');
    expect(readyz.status).toBe(503);
    expect(readyz.body.missing).toEqual([expect.objectContaining({ name: 'allocations' })]);
    expect(metricValue((await a.app.inject({ method: 'GET', url: '/metrics' })).body, 'rl_reconciler_stalls_total')).toBe(1);

    // The stream is back: the leader reads it to its end and completes cycles again.
    await jsm.streams.add(config);
    for (let i = 0; i < 40 && (await stalledOf()) === 1; i += 1) await tick(us, eu, [10, 10]);
    expect(await stalledOf()).toBe(0);
    expect((await get(a.app, '/readyz')).status).toBe(200);
  });

  it('runs with the shortest stream max age (60 s, below the 2-minute duplicate window), and shortens an existing stream to it', async () => {
    const a = await startReconciler(namespace, 'rec-a', { RECONCILER_STREAM_MAX_AGE_SECONDS: '60' });
    running.push(a);
    const config = (await (await nc.jetstreamManager()).streams.info(globalAllocationsStream(namespace))).config;
    expect(config.max_age).toBe(nanos(60_000));
    expect(config.duplicate_window).toBe(nanos(60_000));
    await running.splice(0)[0].app.close();
    // Back to the default on an existing stream, and down again.
    running.push(await startReconciler(namespace, 'rec-b'));
    expect((await (await nc.jetstreamManager()).streams.info(globalAllocationsStream(namespace))).config.max_age).toBe(nanos(300_000));
    await running.splice(0)[0].app.close();
    running.push(await startReconciler(namespace, 'rec-c', { RECONCILER_STREAM_MAX_AGE_SECONDS: '60' }));
    expect((await (await nc.jetstreamManager()).streams.info(globalAllocationsStream(namespace))).config.max_age).toBe(nanos(60_000));
  });

  it('two instances: exactly one leads; after the leader crashes the other takes over within seconds, never above the limit', async () => {
    const a = await startReconciler(namespace, 'rec-a');
    const b = await startReconciler(namespace, 'rec-b');
    running.push(a, b);
    const [us, eu] = await startRegions();
    await waitFor('a leader', async () => a.service.status().leader || b.service.status().leader, 10_000);
    for (let i = 0; i < 10; i += 1) {
      expect([a, b].filter((r) => r.service.status().leader)).toHaveLength(1);
      await tick(us, eu, [40, 0]);
    }
    const leader = a.service.status().leader ? a : b;
    const standby = leader === a ? b : a;
    const epochBefore = leader.service.status().epoch;
    running.splice(running.indexOf(leader), 1);
    const crashedAt = Date.now();
    await crash(leader);
    // The demand shifts to eu-west while the lease expires.
    let tookOver = 0;
    for (let i = 0; i < 60; i += 1) {
      await tick(us, eu, [0, 30]);
      if (tookOver === 0 && standby.service.status().leader) tookOver = Date.now() - crashedAt;
      if (tookOver > 0 && eu.cap('user:1') === LIMIT - (us.admitted.get('user:1') ?? 0)) break;
    }
    expect(tookOver).toBeGreaterThan(0);
    expect(tookOver).toBeLessThan(10_000);
    expect(standby.service.status().epoch).toBeGreaterThan(epochBefore);
    // us-east is lowered to what it admitted; eu-west gets all the rest.
    expect(us.cap('user:1')).toBe(us.admitted.get('user:1'));
    expect(eu.cap('user:1')).toBe(LIMIT - (us.admitted.get('user:1') ?? 0));
    // Across both leaders, the caps the two regions held at any moment never summed above the limit.
    expect(worstSum).toBeLessThanOrEqual(LIMIT);
    expect(us.cap('user:1') + eu.cap('user:1')).toBeLessThanOrEqual(LIMIT);
  });
});
