/**
 * Global-limit accuracy (issue 4): three regions, each with its own enforcer process and
 * redis-server, plus NATS and the reconciler, against a static equal split measured in the same
 * run and the same window (the same enforcers and Redis per region, without a reconciler: each
 * region enforces floor(limit / 3) for the whole window).
 *
 * Policy: one global limit of 3,000 requests per 60 s window (GLOBAL_BENCH_WINDOW_SECONDS
 * shortens it; the limit stays 3,000). Demand on one key: total DEMAND_FACTOR (default 2) × the
 * limit over the window at a constant rate, split 70/20/10 across the regions in the first half,
 * 10/20/70 in the second. Both variants get exactly the same requests at the same times.
 *
 * GLOBAL_BENCH_SYNC_INTERVAL_MS sets the enforcers' report interval (default: the reconciler's, 1 s).
 * GLOBAL_BENCH_STATIC_ONLY=1 measures the static split alone (to check the harness without a reconciler).
 *
 * A second key gets the same 70/20/10 -> 10/20/70 demand at 1 × the limit, so that half the
 * limit is still unused at the shift: its convergence time shows how fast unused share follows
 * demand (on the main key most of the limit is already spent by then).
 *
 * Figures:
 *   - global admitted ÷ limit (target <= 1.01);
 *   - utilisation = admitted ÷ min(limit, demand) over the window (target >= 0.95), and over the
 *     first half alone (where the static split strands the share of the quiet regions);
 *   - time to converge after the shift (target <= 2 intervals): from the shift until the region
 *     that became busy holds the largest unused share (allocation − admitted), read from the
 *     reconciler's GET /v1/global/usage every 100 ms; "0" when the limit is already spent;
 *   - the largest sum of allocations seen (must never exceed the limit).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startReconciler, startRegion, type RegionHandle, type ServiceHandle } from '@rl/devstack';
import { globalAllocationsStream, reconcilerKvBucket } from '@rl/contracts';
import { connect } from 'nats';
import { fmt, type Figure } from './support/report';

const LIMIT = 3_000;
const WINDOW_SECONDS = Number(process.env.GLOBAL_BENCH_WINDOW_SECONDS ?? 60);
const DEMAND_FACTOR = Number(process.env.GLOBAL_BENCH_DEMAND_FACTOR ?? 2);
/** The reconciler's interval (RECONCILER_INTERVAL_MS): the unit of the convergence target. */
const INTERVAL_MS = 1_000;
/** The enforcers' GLOBAL_SYNC_INTERVAL_MS; the default equals the reconciler's interval. */
const SYNC_INTERVAL_MS = Number(process.env.GLOBAL_BENCH_SYNC_INTERVAL_MS ?? INTERVAL_MS);
const REGIONS = ['us-east', 'eu-west', 'ap-south'] as const;
const FIRST_HALF = [0.7, 0.2, 0.1];
const SECOND_HALF = [0.1, 0.2, 0.7];
const POLICY_ID = 'global-bench';
const KEY = 'tenant:bench';
/** The second key: demand 1 × the limit, so share is left to move at the shift. */
const SHIFT_KEY = 'tenant:shift';
const SECTION = `global limits (${fmt(LIMIT)} / ${WINDOW_SECONDS} s, 3 regions${SYNC_INTERVAL_MS === INTERVAL_MS ? '' : `, reports every ${SYNC_INTERVAL_MS} ms`})`;

interface Outcome {
  /** Milliseconds since the window start when the request was sent. */
  readonly atMs: number;
  readonly region: number;
  readonly status: number;
  /**
   * Admitted, and counted in the measured window. A request sent just before the window ends
   * may reach Redis in the next one, where it is rightly admitted again: its reply's reset time
   * points a whole window later, and it does not count here.
   */
  readonly admitted: boolean;
  /** Admitted, but counted in the next window. */
  readonly admittedLater: boolean;
}

interface Reply {
  readonly status: number;
  /** When the reply says the quota is fully restored (reply time + resetSeconds), epoch ms. */
  readonly resetAtMs: number;
}

interface Variant {
  readonly name: 'reconciler' | 'static split';
  readonly namespace: string;
  readonly regions: RegionHandle[];
  readonly reconciler: ServiceHandle | undefined;
  readonly outcomes: Outcome[];
  /** Outcomes on SHIFT_KEY. */
  readonly shiftOutcomes: Outcome[];
}

interface RegionUsage {
  readonly region: string;
  readonly admitted: number;
  readonly allocation: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function startVariant(input: { name: Variant['name']; policyFile: string; natsUrl: string; withReconciler: boolean }): Promise<Variant> {
  const namespace = `benchg${input.withReconciler ? 'r' : 's'}${randomBytes(3).toString('hex')}`;
  let reconciler: ServiceHandle | undefined;
  if (input.withReconciler) {
    reconciler = await startReconciler({
      regions: REGIONS,
      natsUrl: input.natsUrl,
      namespace,
      instanceId: `bench-reconciler-${namespace}`,
      env: { RECONCILER_INTERVAL_MS: String(INTERVAL_MS), LOG_LEVEL: 'warn' },
    });
  }
  const env = {
    POLICY_FILE: input.policyFile,
    GLOBAL_REGIONS: REGIONS.join(','),
    GLOBAL_SYNC_INTERVAL_MS: String(SYNC_INTERVAL_MS),
    NATS_URL: input.natsUrl,
    NATS_NAMESPACE: namespace,
    // Generous on this noisy VM: a degraded decision would be a 503 here (failureMode closed), not an admission.
    REDIS_COMMAND_TIMEOUT_MS: '500',
    LOG_LEVEL: 'warn',
  };
  const regions = await Promise.all(REGIONS.map((region) => startRegion({ region, enforcerPorts: [undefined], env })));
  return { name: input.name, namespace, regions, reconciler, outcomes: [], shiftOutcomes: [] };
}

async function stopVariant(variant: Variant, natsUrl: string): Promise<void> {
  await Promise.all(variant.regions.map((r) => r.stop()));
  await variant.reconciler?.stop();
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(globalAllocationsStream(variant.namespace)).catch(() => false);
    await jsm.streams.delete(`KV_${reconcilerKvBucket(variant.namespace)}`).catch(() => false);
  } finally {
    await nc.close();
  }
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function post(url: string, body: string): Promise<Reply> {
  const target = new URL(`${url}/v1/check`);
  return new Promise((resolve) => {
    const req = request(
      { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let resetSeconds = 0;
          try {
            resetSeconds = Number((JSON.parse(text) as { resetSeconds?: unknown }).resetSeconds ?? 0);
          } catch {
            resetSeconds = 0;
          }
          resolve({ status: res.statusCode ?? 0, resetAtMs: Date.now() + resetSeconds * 1000 });
        });
      },
    );
    req.on('error', () => resolve({ status: 0, resetAtMs: 0 }));
    req.end(body);
  });
}

/**
 * Open loop per region: request i of a region is due at a fixed rate (the half's share of the
 * total), sent to the same region of every variant at the same moment.
 */
async function drive(input: { variants: Variant[]; windowStartMs: number; windowMs: number; key: string; demandFactor: number; outcomes: (v: Variant) => Outcome[] }): Promise<void> {
  // Requests go out from 20 ms after the window starts to 20 ms before it ends (clear of the boundaries).
  const totalRate = (input.demandFactor * LIMIT) / ((input.windowMs - 40) / 1000);
  const body = JSON.stringify({ key: input.key, customerId: 'bench' });
  const windowEndMs = input.windowStartMs + input.windowMs;
  const inflight: Promise<void>[] = [];
  await Promise.all(
    REGIONS.map(async (_region, r) => {
      let at = 20;
      while (at < input.windowMs - 20) {
        await sleep(input.windowStartMs + at - Date.now());
        for (const variant of input.variants) {
          const sentAt = at;
          inflight.push(
            post(variant.regions[r].enforcers[0].url, body).then(({ status, resetAtMs }) => {
              const later = status === 200 && resetAtMs > windowEndMs + input.windowMs / 2;
              input.outcomes(variant).push({ atMs: sentAt, region: r, status, admitted: status === 200 && !later, admittedLater: later });
            }),
          );
        }
        const share = at < input.windowMs / 2 ? FIRST_HALF[r] : SECOND_HALF[r];
        at += 1000 / (totalRate * share);
      }
    }),
  );
  await Promise.all(inflight);
}

async function usageOf(reconciler: ServiceHandle, key: string): Promise<RegionUsage[] | undefined> {
  try {
    const res = await fetch(`${reconciler.url}/v1/global/usage?policyId=${POLICY_ID}&key=${encodeURIComponent(key)}`);
    if (res.status !== 200) {
      await res.body?.cancel();
      return undefined;
    }
    return ((await res.json()) as { regions: RegionUsage[] }).regions;
  } catch {
    return undefined;
  }
}

/** Polls the reconciler's view of the key through the window: the largest sum of allocations, and the convergence after the shift. */
async function watchAllocations(input: { reconciler: ServiceHandle; windowStartMs: number; windowMs: number; key: string }): Promise<{ maxSum: number; convergedAfterMs: number | undefined; headroomAtShift: number }> {
  let maxSum = 0;
  let convergedAfterMs: number | undefined;
  let headroomAtShift = -1;
  const shiftMs = input.windowStartMs + input.windowMs / 2;
  const busy = REGIONS[2];
  while (Date.now() < input.windowStartMs + input.windowMs - 100) {
    const regions = await usageOf(input.reconciler, input.key);
    const now = Date.now();
    if (regions !== undefined && now > input.windowStartMs + 200) {
      maxSum = Math.max(maxSum, regions.reduce((sum, r) => sum + r.allocation, 0));
      const headroom = regions.map((r) => ({ region: r.region, unused: Math.max(0, r.allocation - r.admitted) }));
      const total = headroom.reduce((sum, h) => sum + h.unused, 0);
      if (now >= shiftMs) {
        if (headroomAtShift < 0) headroomAtShift = total;
        const busyUnused = headroom.find((h) => h.region === busy)?.unused ?? 0;
        const largest = Math.max(...headroom.map((h) => h.unused));
        if (convergedAfterMs === undefined && (total <= LIMIT * 0.005 || busyUnused >= largest)) convergedAfterMs = now - shiftMs;
      }
    }
    await sleep(100);
  }
  return { maxSum, convergedAfterMs, headroomAtShift };
}

export async function globalAccuracy(figures: Figure[]): Promise<void> {
  const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  const dir = mkdtempSync(join(tmpdir(), 'rl-bench-global-'));
  const policyFile = join(dir, 'policies.json');
  writeFileSync(
    policyFile,
    JSON.stringify({
      policies: [
        {
          id: POLICY_ID,
          match: { customerTier: 'bench' },
          algorithm: 'fixed_window',
          limit: LIMIT,
          windowSeconds: WINDOW_SECONDS,
          burst: LIMIT,
          scope: 'global',
          failureMode: 'closed',
          mode: 'enforce',
          version: 1,
        },
      ],
      overrides: [],
      customers: { bench: { tier: 'bench' } },
    }),
  );
  const variants: Variant[] = [];
  try {
    if (process.env.GLOBAL_BENCH_STATIC_ONLY !== '1') variants.push(await startVariant({ name: 'reconciler', policyFile, natsUrl, withReconciler: true }));
    variants.push(await startVariant({ name: 'static split', policyFile, natsUrl, withReconciler: false }));
    const windowMs = WINDOW_SECONDS * 1000;
    // Start at the next aligned window, leaving the enforcers a few seconds to reach NATS.
    let windowStartMs = Math.ceil(Date.now() / windowMs) * windowMs;
    if (windowStartMs - Date.now() < 3_000) windowStartMs += windowMs;
    console.log(`global accuracy: waiting ${Math.round((windowStartMs - Date.now()) / 1000)} s for the next ${WINDOW_SECONDS} s window`);
    const reconciler = variants[0].reconciler;
    const [, , watched, watchedShift] = await Promise.all([
      drive({ variants, windowStartMs, windowMs, key: KEY, demandFactor: DEMAND_FACTOR, outcomes: (v) => v.outcomes }),
      drive({ variants, windowStartMs, windowMs, key: SHIFT_KEY, demandFactor: 1, outcomes: (v) => v.shiftOutcomes }),
      reconciler === undefined ? undefined : watchAllocations({ reconciler, windowStartMs, windowMs, key: KEY }),
      reconciler === undefined ? undefined : watchAllocations({ reconciler, windowStartMs, windowMs, key: SHIFT_KEY }),
    ]);

    const demand = variants[0].outcomes.length;
    const firstHalfDemand = variants[0].outcomes.filter((o) => o.atMs < windowMs / 2).length;
    for (const variant of variants) {
      const admitted = variant.outcomes.filter((o) => o.admitted).length;
      const later = variant.outcomes.filter((o) => o.admittedLater).length;
      const failed = variant.outcomes.filter((o) => o.status !== 200 && o.status !== 429);
      const failedByStatus = [...new Set(failed.map((o) => o.status))].map((status) => `${failed.filter((o) => o.status === status).length} × ${status === 0 ? 'no reply' : status}`);
      const firstHalf = variant.outcomes.filter((o) => o.admitted && o.atMs < windowMs / 2).length;
      const perRegion = REGIONS.map((_r, i) => variant.outcomes.filter((o) => o.region === i && o.admitted).length);
      const overLimit = admitted / LIMIT;
      const utilisation = admitted / Math.min(LIMIT, demand);
      const target = variant.name === 'reconciler';
      figures.push({
        section: SECTION,
        name: `${variant.name}: global admitted ÷ limit`,
        value: overLimit,
        unit: '×',
        target: target ? '≤ 1.01' : undefined,
        met: target ? overLimit <= 1.01 : undefined,
        note: `(${fmt(admitted)} admitted of ${fmt(demand)} requests; per region ${perRegion.join(' / ')}${failed.length > 0 ? `; also ${failedByStatus.join(', ')}` : ''}${later > 0 ? `; ${later} sent at the end admitted in the next window` : ''})`,
      });
      figures.push({ section: SECTION, name: `${variant.name}: utilisation, admitted ÷ min(limit, demand)`, value: utilisation, unit: '×', target: target ? '≥ 0.95' : undefined, met: target ? utilisation >= 0.95 : undefined });
      figures.push({ section: SECTION, name: `${variant.name}: utilisation in the first half (70/20/10)`, value: firstHalf / Math.min(LIMIT, firstHalfDemand), unit: '×' });
    }
    if (watched !== undefined) {
      const converged = watched.convergedAfterMs;
      figures.push({
        section: SECTION,
        name: 'reconciler: time to converge after the shift',
        value: converged === undefined ? Infinity : converged / INTERVAL_MS,
        unit: `intervals of ${INTERVAL_MS} ms`,
        target: '≤ 2 intervals',
        met: converged !== undefined && converged <= 2 * INTERVAL_MS,
        note: `(unused share at the shift: ${fmt(Math.max(0, watched.headroomAtShift))})`,
      });
      figures.push({ section: SECTION, name: 'reconciler: largest sum of allocations seen', value: watched.maxSum, unit: '', target: `≤ ${fmt(LIMIT)}`, met: watched.maxSum <= LIMIT });
    }
    if (watchedShift !== undefined) {
      const converged = watchedShift.convergedAfterMs;
      const shiftAdmitted = variants.map((v) => `${v.name} ${fmt(v.shiftOutcomes.filter((o) => o.admitted).length)}`).join(', ');
      figures.push({
        section: SECTION,
        name: 'reconciler: time to converge after the shift, demand 1 × limit (half the limit unused at the shift)',
        value: converged === undefined ? Infinity : converged / INTERVAL_MS,
        unit: `intervals of ${INTERVAL_MS} ms`,
        target: '≤ 2 intervals',
        met: converged !== undefined && converged <= 2 * INTERVAL_MS,
        note: `(unused share at the shift: ${fmt(Math.max(0, watchedShift.headroomAtShift))}; admitted of ${fmt(LIMIT)} requests: ${shiftAdmitted})`,
      });
      figures.push({ section: SECTION, name: 'reconciler: largest sum of allocations seen, second key', value: watchedShift.maxSum, unit: '', target: `≤ ${fmt(LIMIT)}`, met: watchedShift.maxSum <= LIMIT });
    }
  } finally {
    for (const variant of variants) await stopVariant(variant, natsUrl);
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
