import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { globalAllocationsStream, reconcilerKvBucket } from '@rl/contracts';
import { startReconciler, startRegion, type RegionHandle, type ServiceHandle } from '@rl/devstack';
import { connect } from 'nats';
import { check, sleep } from './http';
import { NATS_URL } from './stack';

/**
 * Global limits, black-box: two regions (an enforcer and a redis-server each) and a reconciler,
 * over NATS with a namespace of their own. Demand in one region moves the shared limit there; the
 * regions together never admit more than the limit.
 */

const LIMIT = 200;
const WINDOW_SECONDS = 3_600;
const POLICY_ID = 'global-e2e';
/** A stacked plan: 50 per second in each region, 40 per minute and 1,000 per calendar month (Berlin) shared by both regions. */
const STACK_ID = 'global-stack-e2e';
const STACK_MINUTE_LIMIT = 40;

interface RegionView {
  readonly region: string;
  readonly admitted: number;
  readonly allocation: number;
}

describe('global limits (two regions + reconciler)', () => {
  const unique = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const namespace = `e2eglobal${unique}`;
  let dir: string;
  let reconciler: ServiceHandle;
  let usEast: RegionHandle;
  let euWest: RegionHandle;

  beforeAll(async () => {
    // Counts restart with each hour-long window: keep the suite inside one of them.
    const windowMs = WINDOW_SECONDS * 1000;
    const untilEnd = Math.ceil(Date.now() / windowMs) * windowMs - Date.now();
    if (untilEnd < 60_000) await sleep(untilEnd + 100);
    dir = mkdtempSync(join(tmpdir(), 'rl-e2e-global-'));
    const policyFile = join(dir, 'policies.json');
    writeFileSync(
      policyFile,
      JSON.stringify({
        policies: [
          {
            id: POLICY_ID,
            match: { customerTier: 'global' },
            algorithm: 'fixed_window',
            limit: LIMIT,
            windowSeconds: WINDOW_SECONDS,
            burst: LIMIT,
            scope: 'global',
            failureMode: 'closed',
            mode: 'enforce',
            version: 1,
          },
          {
            id: STACK_ID,
            match: { customerTier: 'stacked' },
            algorithm: 'token_bucket',
            limits: [
              { name: 'burst', limit: 50, windowSeconds: 1 },
              { name: 'minute', limit: STACK_MINUTE_LIMIT, windowSeconds: 60, scope: 'global' },
              { name: 'month', limit: 1_000, window: 'calendar-month', timeZone: 'Europe/Berlin', scope: 'global' },
            ],
            scope: 'regional',
            failureMode: 'closed',
            mode: 'enforce',
            version: 1,
          },
        ],
        overrides: [],
        customers: { acme: { tier: 'global' }, stackco: { tier: 'stacked' } },
      }),
    );
    reconciler = await startReconciler({
      regions: ['us-east', 'eu-west'],
      natsUrl: NATS_URL,
      namespace,
      instanceId: `e2e-reconciler-${unique}`,
      env: { RECONCILER_INTERVAL_MS: '500' },
    });
    const env = {
      POLICY_FILE: policyFile,
      GLOBAL_REGIONS: 'us-east,eu-west',
      GLOBAL_SYNC_INTERVAL_MS: '500',
      NATS_URL,
      NATS_NAMESPACE: namespace,
    };
    [usEast, euWest] = await Promise.all([
      startRegion({ region: 'us-east', enforcerPorts: [undefined], env }),
      startRegion({ region: 'eu-west', enforcerPorts: [undefined], env }),
    ]);
  }, 150_000);

  afterAll(async () => {
    await Promise.all([usEast?.stop(), euWest?.stop()]);
    await reconciler?.stop();
    const nc = await connect({ servers: NATS_URL });
    try {
      const jsm = await nc.jetstreamManager();
      await jsm.streams.delete(globalAllocationsStream(namespace)).catch(() => false);
      await jsm.streams.delete(`KV_${reconcilerKvBucket(namespace)}`).catch(() => false);
    } finally {
      await nc.close();
    }
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  async function regionsOf(key: string, of: { policyId: string; limitName?: string } = { policyId: POLICY_ID }): Promise<RegionView[] | undefined> {
    const limit = of.limitName === undefined ? '' : `&limitName=${of.limitName}`;
    const res = await fetch(`${reconciler.url}/v1/global/usage?policyId=${of.policyId}&key=${encodeURIComponent(key)}${limit}`);
    if (res.status !== 200) {
      await res.body?.cancel();
      return undefined;
    }
    return ((await res.json()) as { regions: RegionView[] }).regions;
  }

  it('moves the share to the region with the demand; both regions together admit no more than the limit', async () => {
    const key = `tenant:${unique}`;
    const east = usEast.enforcers[0].url;
    const west = euWest.enforcers[0].url;
    let admittedEast = 0;
    let admittedWest = 0;
    const seenSums: number[] = [];

    // Demand in us-east only, 10 requests every 100 ms: beyond its static split (100) once the
    // reconciler has moved eu-west's unused share over.
    const deadline = Date.now() + 40_000;
    while (admittedEast <= LIMIT / 2 + 20 && Date.now() < deadline) {
      const replies = await Promise.all(Array.from({ length: 10 }, () => check(east, { key, customerId: 'acme' })));
      expect(replies.filter((r) => r.status !== 200 && r.status !== 429).map((r) => ({ status: r.status, body: r.body }))).toEqual([]);
      admittedEast += replies.filter((r) => r.status === 200).length;
      const regions = await regionsOf(key);
      if (regions !== undefined) seenSums.push(regions.reduce((sum, r) => sum + r.allocation, 0));
      await sleep(100);
    }
    expect(admittedEast).toBeGreaterThan(LIMIT / 2 + 20);

    // Now both regions ask for far more than is left: together they stay within the limit.
    for (let round = 0; round < 30; round++) {
      const [inEast, inWest] = await Promise.all([
        Promise.all(Array.from({ length: 10 }, () => check(east, { key, customerId: 'acme' }))),
        Promise.all(Array.from({ length: 10 }, () => check(west, { key, customerId: 'acme' }))),
      ]);
      admittedEast += inEast.filter((r) => r.status === 200).length;
      admittedWest += inWest.filter((r) => r.status === 200).length;
      const regions = await regionsOf(key);
      if (regions !== undefined) seenSums.push(regions.reduce((sum, r) => sum + r.allocation, 0));
      await sleep(100);
    }
    expect(admittedEast + admittedWest).toBeLessThanOrEqual(LIMIT);
    expect(admittedWest).toBeGreaterThan(0);
    expect(seenSums.length).toBeGreaterThan(0);
    expect(Math.max(...seenSums)).toBeLessThanOrEqual(LIMIT);

    // The reconciler saw what the regions admitted (absolute counts, summed per region).
    let regions: RegionView[] | undefined;
    for (let i = 0; i < 50; i++) {
      regions = await regionsOf(key);
      const eastView = regions?.find((r) => r.region === 'us-east');
      if (eastView !== undefined && eastView.admitted === admittedEast) break;
      await sleep(200);
    }
    expect(regions?.find((r) => r.region === 'us-east')?.admitted).toBe(admittedEast);
    expect(regions?.find((r) => r.region === 'eu-west')?.admitted).toBe(admittedWest);
  });

  it('a stack with a global minute limit, driven through both regions, admits at most the global limit in total', async () => {
    // Keep the drive inside one minute: the global limit counts per epoch-aligned minute.
    const untilMinuteEnds = 60_000 - (Date.now() % 60_000);
    if (untilMinuteEnds < 30_000) await sleep(untilMinuteEnds + 100);
    const key = `stack:${unique}`;
    const east = usEast.enforcers[0].url;
    const west = euWest.enforcers[0].url;
    let admitted = 0;
    const admittedIn = { east: 0, west: 0 };
    for (let round = 0; round < 8; round++) {
      const [inEast, inWest] = await Promise.all([
        Promise.all(Array.from({ length: 10 }, () => check(east, { key, customerId: 'stackco' }))),
        Promise.all(Array.from({ length: 10 }, () => check(west, { key, customerId: 'stackco' }))),
      ]);
      const replies = [...inEast, ...inWest];
      expect(replies.filter((r) => r.status !== 200 && r.status !== 429).map((r) => ({ status: r.status, body: r.body }))).toEqual([]);
      admittedIn.east += inEast.filter((r) => r.status === 200).length;
      admittedIn.west += inWest.filter((r) => r.status === 200).length;
      admitted += replies.filter((r) => r.status === 200).length;
      // A denial by the global limit names it, and the headers list both limits.
      const denial = replies.find((r) => r.status === 429);
      if (denial !== undefined) {
        expect(denial.body).toMatchObject({ 'violated-policies': expect.arrayContaining([`${STACK_ID}-minute`]) });
        expect(denial.headers.get('ratelimit-policy')).toBe(`"${STACK_ID}-burst";q=50;w=1, "${STACK_ID}-minute";q=${STACK_MINUTE_LIMIT};w=60, "${STACK_ID}-month";q=1000;w=2592000`);
      }
      await sleep(300);
    }
    expect(admitted).toBeLessThanOrEqual(STACK_MINUTE_LIMIT);
    expect(admittedIn.east).toBeGreaterThan(0);
    expect(admittedIn.west).toBeGreaterThan(0);

    // The reconciler sums both regions' usage per limit: the minute's, and the month's in its calendar window.
    for (const limitName of ['minute', 'month']) {
      let regions: RegionView[] | undefined;
      for (let i = 0; i < 50; i++) {
        regions = await regionsOf(key, { policyId: STACK_ID, limitName });
        if (regions?.find((r) => r.region === 'us-east')?.admitted === admittedIn.east && regions.find((r) => r.region === 'eu-west')?.admitted === admittedIn.west) break;
        await sleep(200);
      }
      expect({ limitName, east: regions?.find((r) => r.region === 'us-east')?.admitted, west: regions?.find((r) => r.region === 'eu-west')?.admitted }).toEqual({ limitName, east: admittedIn.east, west: admittedIn.west });
    }
  });
});
