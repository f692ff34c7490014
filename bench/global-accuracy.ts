/**
 * Global-limit accuracy through the faults operators see (issues 4 and 18): 5 regions × 4
 * enforcer processes (one redis-server per region), two reconcilers (leader and standby) and NATS,
 * against a static equal split measured in the same run and the same windows (5 regions × 1
 * enforcer, no reconciler: each region enforces floor(limit / 5) for the whole window; instances
 * of a region share its Redis, so their number does not change what a static split admits).
 *
 * Every enforcer of a region reaches NATS through that region's TCP proxy (devstack
 * startTcpProxy), which the bench cuts to partition the region; nothing else is killed.
 *
 * Policy: one global limit of 3,000 requests per 60 s window (GLOBAL_BENCH_WINDOW_SECONDS
 * shortens it). Demand, per window, on two keys at constant rates, sent round-robin to a region's
 * instances, the same requests at the same moments to both variants:
 *   - `tenant:bench`: 2 × the limit; `tenant:shift`: 1 × the limit (half of it unused at the shift,
 *     so its convergence shows how fast unused share follows demand);
 *   - shares 50/20/15/10/5 % across the regions in the first half, reversed in the second.
 *
 * Scenarios, one after the other, each window aligned to the epoch:
 *   1. shift: the demand shift alone;
 *   2. leader loss: the leader reconciler is SIGKILLed at the shift; the standby takes over;
 *   3. partition: af-south's NATS link is cut at a window's shift and healed two minutes later,
 *      at the shift of the window after next, just as demand moves to it;
 * Scenarios 1 to 3 run on one timeline of five consecutive windows.
 *   4. restart after quiet: both reconcilers stopped until the allocation stream holds no message
 *      (RECONCILER_STREAM_MAX_AGE_SECONDS=60, the smallest allowed), then started again.
 *
 * Figures, per scenario, each against the static split and beside its bound (bench/support/
 * global-bound.ts, README "Error bound"): global admitted ÷ limit (target ≤ 1.01), utilisation =
 * admitted ÷ min(limit, demand) (target ≥ 0.95 outside the partition), intervals to converge after
 * the shift / failover / heal / restart (target ≤ 2; "converged" = the region with most demand
 * holds the largest unused share, allocation − admitted, in the leader's GET /v1/global/usage,
 * polled every 100 ms; or less than 0.5 % of the limit is left unused anywhere), the largest sum of
 * allocations seen (≤ the limit), and the partitioned region's admissions while cut ÷ its last share.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startReconciler, startRegion, startTcpProxy, type RegionHandle, type ServiceHandle, type TcpProxyHandle } from '@rl/devstack';
import { globalAllocationsStream, reconcilerKvBucket } from '@rl/contracts';
import { connect } from 'nats';
import { convergenceAfterHealMs, convergenceAfterKillMs, convergenceAfterShiftMs, overshootUnits, type ConvergenceInput } from './support/global-bound';
import { fmt, type Figure } from './support/report';

const LIMIT = 3_000;
const WINDOW_SECONDS = Number(process.env.GLOBAL_BENCH_WINDOW_SECONDS ?? 60);
const WINDOW_MS = WINDOW_SECONDS * 1000;
/** RECONCILER_INTERVAL_MS = GLOBAL_SYNC_INTERVAL_MS: the unit of the convergence target. */
const INTERVAL_MS = 1_000;
/** The defaults the services run with (README configuration tables). */
const CYCLE_OFFSET_MS = 200;
const LEADER_LEASE_MS = 3_000;
const INSTANCE_TIMEOUT_MS = 30_000;
const RECONNECT_WAIT_MS = 250;
/**
 * REDIS_COMMAND_TIMEOUT_MS here: looser than the 20 ms default for 27 processes on two cores (a late
 * decision is a 503, failureMode closed, never an admission). Enforcers acknowledge an epoch this
 * long after applying it, so it adds to every move.
 */
const COMMAND_TIMEOUT_MS = 100;
/** The smallest RECONCILER_STREAM_MAX_AGE_SECONDS, so the restart-after-quiet scenario fits the run. */
const STREAM_MAX_AGE_SECONDS = 60;
const REGIONS = ['us-east', 'eu-west', 'ap-south', 'sa-east', 'af-south'] as const;
const INSTANCES = 4;
const FIRST_HALF = [0.5, 0.2, 0.15, 0.1, 0.05];
const SECOND_HALF = [...FIRST_HALF].reverse();
/** The region whose link is cut in the partition scenario (the busiest in second halves). */
const PARTITIONED = REGIONS.length - 1;
const PARTITION_MS = 120_000;
const POLICY_ID = 'global-bench';
const KEYS = [
  { key: 'tenant:bench', demandFactor: 2 },
  { key: 'tenant:shift', demandFactor: 1 },
] as const;
/** Convergence is read on the key with unused share at the shift. */
const CONVERGENCE_KEY = 'tenant:shift';
const SECTION = `global limits (${fmt(LIMIT)} / ${WINDOW_SECONDS} s, ${REGIONS.length} regions × ${INSTANCES} enforcers, 2 reconcilers)`;

/** Boot time allowed per process: this machine is shared, and 27 processes start here. */
const READY_TIMEOUT_MS = 120_000;

/** How often the leader's view is read for the convergence figures. */
const POLL_MS = 100;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

interface Outcome {
  readonly windowIndex: number;
  readonly key: string;
  /** Milliseconds since the window start when the request was sent. */
  readonly atMs: number;
  readonly region: number;
  readonly status: number;
  /** Admitted and counted in its window (one sent at the very end may be counted in the next: see `later`). */
  readonly admitted: boolean;
  readonly later: boolean;
}

interface Variant {
  readonly name: 'reconciler' | 'static split';
  readonly namespace: string;
  readonly regions: RegionHandle[];
  readonly outcomes: Outcome[];
  next: number[];
}

interface RegionUsage {
  readonly region: string;
  readonly admitted: number;
  readonly allocation: number;
  readonly silent: boolean;
}

interface Watch {
  /** Leader's view, every 100 ms: time, per-region usage of the convergence key. */
  readonly samples: Array<{ atMs: number; regions: RegionUsage[] }>;
  maxSum: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

function post(url: string, body: string): Promise<{ status: number; resetAtMs: number }> {
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

/** Open loop for one window: per region and key, requests at a fixed rate, to both variants at once. */
async function driveWindow(input: { variants: Variant[]; windowIndex: number; windowStartMs: number }): Promise<void> {
  const inflight: Promise<void>[] = [];
  const windowEndMs = input.windowStartMs + WINDOW_MS;
  await Promise.all(
    KEYS.flatMap(({ key, demandFactor }) => {
      // Requests go out from 20 ms after the window starts to 20 ms before it ends.
      const totalRate = (demandFactor * LIMIT) / ((WINDOW_MS - 40) / 1000);
      const body = JSON.stringify({ key, customerId: 'bench' });
      return REGIONS.map(async (_region, r) => {
        let at = 20;
        while (at < WINDOW_MS - 20) {
          await sleep(input.windowStartMs + at - Date.now());
          for (const variant of input.variants) {
            const enforcers = variant.regions[r].enforcers;
            const target = enforcers[variant.next[r]++ % enforcers.length];
            const sentAt = at;
            inflight.push(
              post(target.url, body).then(({ status, resetAtMs }) => {
                const later = status === 200 && resetAtMs > windowEndMs + WINDOW_MS / 2;
                variant.outcomes.push({ windowIndex: input.windowIndex, key, atMs: sentAt, region: r, status, admitted: status === 200 && !later, later });
              }),
            );
          }
          const share = at < WINDOW_MS / 2 ? FIRST_HALF[r] : SECOND_HALF[r];
          at += 1000 / (totalRate * share);
        }
      });
    }),
  );
  await Promise.all(inflight);
}

async function leaderView(reconcilers: readonly ServiceHandle[], key: string): Promise<RegionUsage[] | undefined> {
  for (const reconciler of reconcilers) {
    try {
      const res = await fetch(`${reconciler.url}/v1/global/usage?policyId=${POLICY_ID}&key=${encodeURIComponent(key)}`);
      if (res.status !== 200) {
        await res.body?.cancel();
        continue;
      }
      const body = (await res.json()) as { leader: boolean; regions: RegionUsage[] };
      if (body.leader) return body.regions;
    } catch {
      // Down (killed, or stopped for the quiet period): ask the next one.
    }
  }
  return undefined;
}

async function isLeader(reconciler: ServiceHandle): Promise<boolean> {
  try {
    const res = await fetch(`${reconciler.url}/metrics`);
    return /^rl_reconciler_leader(?:\{[^}]*\})? 1$/m.test(await res.text());
  } catch {
    return false;
  }
}

/** Polls the leader's view of the convergence key until `untilMs`. */
async function watch(reconcilers: readonly ServiceHandle[], untilMs: number): Promise<Watch> {
  const result: Watch = { samples: [], maxSum: 0 };
  while (Date.now() < untilMs) {
    const regions = await leaderView(reconcilers, CONVERGENCE_KEY);
    if (regions !== undefined) {
      result.samples.push({ atMs: Date.now(), regions });
      result.maxSum = Math.max(result.maxSum, regions.reduce((sum, r) => sum + r.allocation, 0));
    }
    await sleep(POLL_MS);
  }
  return result;
}

/** The largest sum of allocations the watch saw between two times. */
function maxSumBetween(w: Watch, fromMs: number, toMs: number): number {
  let max = 0;
  for (const sample of w.samples) {
    if (sample.atMs < fromMs || sample.atMs >= toMs) continue;
    max = Math.max(max, sample.regions.reduce((sum, r) => sum + r.allocation, 0));
  }
  return max;
}

/** Milliseconds from `fromMs` until the leader's view shows `region` reporting again (not silent). */
function liveAgainAfter(samples: Watch['samples'], input: { fromMs: number; region: number; untilMs: number }): number | undefined {
  for (const sample of samples) {
    if (sample.atMs < input.fromMs || sample.atMs > input.untilMs) continue;
    if (sample.regions.find((r) => r.region === REGIONS[input.region])?.silent === false) return sample.atMs - input.fromMs;
  }
  return undefined;
}

const fmtMs = (ms: number | undefined): string => (ms === undefined ? 'never' : `${fmt(ms / INTERVAL_MS)} intervals`);

/** Milliseconds from `fromMs` until the busy region holds the largest unused share (or little is left), per the watch. */
function convergedAfter(samples: Watch['samples'], input: { fromMs: number; busy: number; untilMs: number }): number | undefined {
  for (const sample of samples) {
    if (sample.atMs < input.fromMs || sample.atMs > input.untilMs) continue;
    const unused = REGIONS.map((name) => {
      const row = sample.regions.find((r) => r.region === name);
      return row === undefined ? 0 : Math.max(0, row.allocation - row.admitted);
    });
    const total = unused.reduce((s, u) => s + u, 0);
    if (total <= LIMIT * 0.005 || unused[input.busy] >= Math.max(...unused)) return sample.atMs - input.fromMs;
  }
  return undefined;
}

async function startVariant(input: { name: Variant['name']; policyFile: string; natsUrl: string; proxies?: TcpProxyHandle[] }): Promise<Variant> {
  const namespace = `benchg${input.name === 'reconciler' ? 'r' : 's'}${randomBytes(3).toString('hex')}`;
  const instances = input.name === 'reconciler' ? INSTANCES : 1;
  const env = (r: number): Record<string, string> => ({
    POLICY_FILE: input.policyFile,
    GLOBAL_REGIONS: REGIONS.join(','),
    GLOBAL_SYNC_INTERVAL_MS: String(INTERVAL_MS),
    NATS_URL: input.proxies === undefined ? input.natsUrl : `nats://127.0.0.1:${input.proxies[r].port}`,
    NATS_NAMESPACE: namespace,
    REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
    ENFORCER_INSTANCES: String(instances),
    LOG_LEVEL: 'warn',
  });
  // One region at a time: two cores boot one enforcer about as fast as five.
  const regions: RegionHandle[] = [];
  try {
    for (const [r, region] of REGIONS.entries()) {
      regions.push(await startRegion({ region, enforcerPorts: Array.from({ length: instances }, () => undefined), env: env(r), readyTimeoutMs: READY_TIMEOUT_MS }));
    }
  } catch (error) {
    await Promise.all(regions.map((r) => r.stop()));
    throw error;
  }
  return { name: input.name, namespace, regions, outcomes: [], next: REGIONS.map(() => 0) };
}

async function deleteNamespace(natsUrl: string, namespace: string): Promise<void> {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(globalAllocationsStream(namespace)).catch(() => false);
    await jsm.streams.delete(`KV_${reconcilerKvBucket(namespace)}`).catch(() => false);
  } finally {
    await nc.close();
  }
}

async function streamMessages(natsUrl: string, namespace: string): Promise<{ messages: number; lastSeq: number }> {
  const nc = await connect({ servers: natsUrl });
  try {
    const state = (await (await nc.jetstreamManager()).streams.info(globalAllocationsStream(namespace))).state;
    return { messages: state.messages, lastSeq: state.last_seq };
  } finally {
    await nc.close();
  }
}

interface WindowFigures {
  readonly admittedRatio: number;
  readonly utilisation: number;
  readonly perRegion: number[];
  readonly failed: number;
  readonly later: number;
  readonly demand: number;
  readonly admitted: number;
}

/** Per key: admitted ÷ limit and utilisation; the worst key's ratio and the lowest utilisation are what the figures show. */
function windowFigures(variant: Variant, windowIndex: number): WindowFigures {
  let admittedRatio = 0;
  let utilisation = Infinity;
  const perRegion = REGIONS.map(() => 0);
  let failed = 0;
  let later = 0;
  let demandTotal = 0;
  let admittedTotal = 0;
  for (const { key } of KEYS) {
    const outcomes = variant.outcomes.filter((o) => o.windowIndex === windowIndex && o.key === key);
    const admitted = outcomes.filter((o) => o.admitted);
    admittedRatio = Math.max(admittedRatio, admitted.length / LIMIT);
    utilisation = Math.min(utilisation, admitted.length / Math.min(LIMIT, outcomes.length));
    for (const o of admitted) perRegion[o.region] += 1;
    failed += outcomes.filter((o) => o.status !== 200 && o.status !== 429).length;
    later += outcomes.filter((o) => o.later).length;
    demandTotal += outcomes.length;
    admittedTotal += admitted.length;
  }
  return { admittedRatio, utilisation, perRegion, failed, later, demand: demandTotal, admitted: admittedTotal };
}

export async function globalAccuracy(figures: Figure[]): Promise<void> {
  const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  const natsPort = Number(new URL(natsUrl).port || 4222);
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'rl-bench-global-'));
  const policyFile = join(dir, 'policies.json');
  writeFileSync(
    policyFile,
    JSON.stringify({
      policies: [
        { id: POLICY_ID, match: { customerTier: 'bench' }, algorithm: 'fixed_window', limit: LIMIT, windowSeconds: WINDOW_SECONDS, burst: LIMIT, scope: 'global', failureMode: 'closed', mode: 'enforce', version: 1 },
      ],
      overrides: [],
      customers: { bench: { tier: 'bench' } },
    }),
  );
  const proxies = await Promise.all(REGIONS.map(() => startTcpProxy({ targetPort: natsPort })));
  const variants: Variant[] = [];
  const reconcilers: ServiceHandle[] = [];
  try {
    const reconciled = await startVariant({ name: 'reconciler', policyFile, natsUrl, proxies });
    variants.push(reconciled);
    for (const id of ['a', 'b']) {
      reconcilers.push(
        await startReconciler({
          regions: REGIONS,
          natsUrl,
          namespace: reconciled.namespace,
          instanceId: `bench-reconciler-${id}`,
          readyTimeoutMs: READY_TIMEOUT_MS,
          env: { RECONCILER_INTERVAL_MS: String(INTERVAL_MS), RECONCILER_STREAM_MAX_AGE_SECONDS: String(STREAM_MAX_AGE_SECONDS), LOG_LEVEL: 'warn' },
        }),
      );
    }
    variants.push(await startVariant({ name: 'static split', policyFile, natsUrl }));
    console.log(`global accuracy: ${REGIONS.length * INSTANCES + REGIONS.length} enforcers and 2 reconcilers up after ${Math.round((Date.now() - started) / 1000)} s`);

    const convergence: ConvergenceInput = { intervalMs: INTERVAL_MS, cycleOffsetMs: CYCLE_OFFSET_MS, settleMs: COMMAND_TIMEOUT_MS, deliveryMs: 10 };
    // The figures are read from a 100 ms poll: the bound printed beside them includes it.
    const shiftBound = (convergenceAfterShiftMs(convergence) + POLL_MS) / INTERVAL_MS;
    const overshoot = (input: { cutAlone?: Array<{ ratePerSecond: number; cutMs: number }> } = {}): number =>
      1 +
      overshootUnits({
        regions: REGIONS.map(() => ({ instanceRates: Array.from({ length: INSTANCES }, () => (3 * LIMIT) / WINDOW_SECONDS / REGIONS.length / INSTANCES), lowerings: WINDOW_MS / INTERVAL_MS })),
        decisionMs: COMMAND_TIMEOUT_MS,
        settleMs: COMMAND_TIMEOUT_MS,
        cutAlone: input.cutAlone ?? [],
        instanceTimeoutMs: INSTANCE_TIMEOUT_MS,
        failOpenOutageCaps: [],
        degradedPercent: 0,
      }) /
        LIMIT;
    const bound = overshoot();

    let windowIndex = 0;
    let windowStartMs = Math.ceil((Date.now() + 3_000) / WINDOW_MS) * WINDOW_MS;
    const nextWindow = (): number => {
      const start = windowStartMs;
      windowStartMs += WINDOW_MS;
      return start;
    };
    const report = (input: { scenario: string; index: number; utilisationTarget: boolean; note?: string }): void => {
      for (const variant of variants) {
        const f = windowFigures(variant, input.index);
        const isReconciled = variant.name === 'reconciler';
        const details = `${fmt(f.admitted)} admitted of ${fmt(f.demand)} requests on ${KEYS.length} keys; per region ${f.perRegion.join(' / ')}${f.failed > 0 ? `; ${f.failed} failed or 503` : ''}${f.later > 0 ? `; ${f.later} sent at the end counted in the next window` : ''}`;
        figures.push({
          section: SECTION,
          name: `${input.scenario}, ${variant.name}: global admitted ÷ limit (worst key)`,
          value: f.admittedRatio,
          unit: '×',
          target: isReconciled ? '≤ 1.01' : undefined,
          met: isReconciled ? f.admittedRatio <= 1.01 : undefined,
          note: `(bound ≤ ${bound.toFixed(3)}; ${details}${input.note !== undefined && isReconciled ? `; ${input.note}` : ''})`,
        });
        figures.push({
          section: SECTION,
          name: `${input.scenario}, ${variant.name}: utilisation, admitted ÷ min(limit, demand) (lowest key)`,
          value: f.utilisation,
          unit: '×',
          target: isReconciled && input.utilisationTarget ? '≥ 0.95' : undefined,
          met: isReconciled && input.utilisationTarget ? f.utilisation >= 0.95 : undefined,
        });
      }
    };
    const convergenceFigure = (input: { name: string; ms: number | undefined; boundIntervals: number; note?: string }): void => {
      figures.push({
        section: SECTION,
        name: input.name,
        value: input.ms === undefined ? Infinity : input.ms / INTERVAL_MS,
        unit: `intervals of ${INTERVAL_MS} ms`,
        target: '≤ 2 intervals',
        met: input.ms !== undefined && input.ms <= 2 * INTERVAL_MS,
        note: `(bound ≤ ${input.boundIntervals.toFixed(2)}${input.note === undefined ? '' : `; ${input.note}`})`,
      });
    };
    const sumFigure = (scenario: string, w: Watch): void => {
      figures.push({ section: SECTION, name: `${scenario}: largest sum of allocations seen (${CONVERGENCE_KEY})`, value: w.maxSum, unit: '', target: `≤ ${fmt(LIMIT)}`, met: w.maxSum <= LIMIT });
    };
    const waitUntil = async (atMs: number, what: string): Promise<void> => {
      console.log(`global accuracy: ${what} in ${Math.round((atMs - Date.now()) / 1000)} s`);
      await sleep(atMs - Date.now());
    };

    // Scenarios 1 to 3 run back to back on one timeline of five windows; each drive, fault and
    // watch is scheduled at its absolute time, so a slow window never delays the next one.
    const t0 = nextWindow();
    for (let i = 1; i < 5; i++) nextWindow();
    windowIndex = 5;
    await waitUntil(t0, 'scenarios 1 to 3 (shift, leader loss, partition: five windows)');
    const drives = [0, 1, 2, 3, 4].map(async (i) => {
      await sleep(t0 + i * WINDOW_MS - Date.now());
      await driveWindow({ variants, windowIndex: i, windowStartMs: t0 + i * WINDOW_MS });
    });
    // 2. The leader is killed at the shift of the second window.
    const killAt = t0 + WINDOW_MS + WINDOW_MS / 2;
    const failover = (async (): Promise<{ killedAt: number; tookOverAt: number | undefined; killed: ServiceHandle }> => {
      await sleep(killAt - Date.now());
      const leader = (await isLeader(reconcilers[0])) ? reconcilers[0] : reconcilers[1];
      const standby = leader === reconcilers[0] ? reconcilers[1] : reconcilers[0];
      const killedAt = Date.now();
      leader.process.child.kill('SIGKILL');
      let tookOverAt: number | undefined;
      while (tookOverAt === undefined && Date.now() < killedAt + 20_000) {
        if (await isLeader(standby)) tookOverAt = Date.now();
        else await sleep(50);
      }
      // Back as the standby for what follows.
      await leader.restart();
      return { killedAt, tookOverAt, killed: leader };
    })();
    // 3. af-south's link is cut at the shift of the third window and healed at the shift of the
    // fifth, two minutes later: it comes back just as demand moves to it.
    const cutAt = t0 + 2 * WINDOW_MS + WINDOW_MS / 2;
    const healAt = cutAt + PARTITION_MS;
    const partition = (async (): Promise<{ lastShare: number | undefined }> => {
      await sleep(cutAt - Date.now());
      const view = await leaderView(reconcilers, CONVERGENCE_KEY);
      proxies[PARTITIONED].cut();
      console.log(`global accuracy: ${REGIONS[PARTITIONED]} cut off`);
      await sleep(healAt - Date.now());
      proxies[PARTITIONED].heal();
      console.log(`global accuracy: ${REGIONS[PARTITIONED]} healed`);
      return { lastShare: view?.find((r) => r.region === REGIONS[PARTITIONED])?.allocation };
    })();
    const [, w, f, p] = await Promise.all([Promise.all(drives), watch(reconcilers, t0 + 5 * WINDOW_MS - 100), failover, partition]);

    report({ scenario: '1 shift', index: 0, utilisationTarget: true });
    convergenceFigure({ name: '1 shift: time to converge after the shift', ms: convergedAfter(w.samples, { fromMs: t0 + WINDOW_MS / 2, busy: PARTITIONED, untilMs: t0 + WINDOW_MS }), boundIntervals: shiftBound });
    sumFigure('1 shift', { samples: [], maxSum: maxSumBetween(w, t0, t0 + WINDOW_MS) });

    report({ scenario: '2 leader loss', index: 1, utilisationTarget: true, note: `leader killed at the shift, standby leading ${f.tookOverAt === undefined ? 'never' : `${fmt((f.tookOverAt - f.killedAt) / 1000)} s later`}` });
    const fromTakeover = f.tookOverAt === undefined ? undefined : convergedAfter(w.samples, { fromMs: f.tookOverAt, busy: PARTITIONED, untilMs: t0 + 2 * WINDOW_MS });
    convergenceFigure({
      name: '2 leader loss: time to converge after the failover (from the standby taking the lead)',
      ms: fromTakeover,
      boundIntervals: shiftBound,
      note: `from the kill: ${f.tookOverAt === undefined || fromTakeover === undefined ? 'never' : fmt((f.tookOverAt - f.killedAt + fromTakeover) / INTERVAL_MS)} intervals, bound ≤ ${((convergenceAfterKillMs({ ...convergence, leaderLeaseMs: LEADER_LEASE_MS }) + POLL_MS) / INTERVAL_MS).toFixed(2)}`,
    });
    sumFigure('2 leader loss', { samples: [], maxSum: maxSumBetween(w, t0 + WINDOW_MS, t0 + 2 * WINDOW_MS) });

    const labels = [' (cut at the shift)', ' (cut throughout)', ' (healed at the shift)'];
    for (let i = 0; i < 3; i++) report({ scenario: `3 partition, window ${i + 1} of 3${labels[i]}`, index: 2 + i, utilisationTarget: false });
    // The partitioned region while cut: the first window under the allocation it held when cut, the
    // next ones under the static split (the last one only until the heal, at its shift).
    const split = Math.floor(LIMIT / REGIONS.length);
    const shares = [p.lastShare ?? split, split, split];
    const ratios = shares.map((share, i) => {
      const admitted = variants[0].outcomes.filter((o) => o.windowIndex === 2 + i && o.region === PARTITIONED && o.key === CONVERGENCE_KEY && o.admitted && (i < 2 || o.atMs < WINDOW_MS / 2)).length;
      return admitted / share;
    });
    figures.push({
      section: SECTION,
      name: `3 partition: ${REGIONS[PARTITIONED]}'s admissions while cut ÷ its last share (${CONVERGENCE_KEY}, worst window)`,
      value: Math.max(...ratios),
      unit: '×',
      target: '≤ 1',
      met: Math.max(...ratios) <= 1,
      note: `(bound ≤ 1.000; shares ${shares.map((v) => fmt(v)).join(' / ')}: the allocation held when cut, then the static split of each new window; ratios ${ratios.map((r) => r.toFixed(2)).join(' / ')})`,
    });
    convergenceFigure({
      name: `3 partition: time to converge after the heal (demand moves to ${REGIONS[PARTITIONED]} as it comes back)`,
      ms: liveAgainAfter(w.samples, { fromMs: healAt, region: PARTITIONED, untilMs: t0 + 5 * WINDOW_MS }),
      boundIntervals: (convergenceAfterHealMs({ ...convergence, reconnectWaitMs: RECONNECT_WAIT_MS }) + POLL_MS) / INTERVAL_MS,
      note: `converged: the leader sees ${REGIONS[PARTITIONED]} reporting again, so its share can move; it came back holding the static split, more than it needs for 4 intervals, so nothing had to move at once; it held the largest unused share ${fmtMs(convergedAfter(w.samples, { fromMs: healAt, busy: PARTITIONED, untilMs: t0 + 5 * WINDOW_MS }))} after the heal`,
    });
    sumFigure('3 partition', { samples: [], maxSum: maxSumBetween(w, t0 + 2 * WINDOW_MS, t0 + 5 * WINDOW_MS) });

    // 4. Restart after quiet: both reconcilers down until the allocation stream holds no message.
    {
      console.log('global accuracy: scenario 4, stopping both reconcilers until the allocation stream expires');
      for (const reconciler of reconcilers) await reconciler.stop();
      const stoppedAt = Date.now();
      let state = await streamMessages(natsUrl, reconciled.namespace);
      while (state.messages > 0 && Date.now() < stoppedAt + 3 * STREAM_MAX_AGE_SECONDS * 1000) {
        await sleep(1_000);
        state = await streamMessages(natsUrl, reconciled.namespace);
      }
      console.log(`global accuracy: stream empty after ${Math.round((Date.now() - stoppedAt) / 1000)} s (${state.messages} messages, last sequence ${state.lastSeq})`);
      for (const reconciler of reconcilers) await reconciler.restart();
      const index = windowIndex++;
      windowStartMs = Math.ceil((Date.now() + 3_000) / WINDOW_MS) * WINDOW_MS;
      const start = nextWindow();
      await waitUntil(start, 'scenario 4 (restart after quiet)');
      const [, w] = await Promise.all([driveWindow({ variants, windowIndex: index, windowStartMs: start }), watch(reconcilers, start + WINDOW_MS - 100)]);
      report({ scenario: '4 restart after quiet', index, utilisationTarget: true, note: `stream held ${state.messages} messages, last sequence ${state.lastSeq}, at the restart` });
      convergenceFigure({ name: '4 restart after quiet: time to converge after the shift', ms: convergedAfter(w.samples, { fromMs: start + WINDOW_MS / 2, busy: PARTITIONED, untilMs: start + WINDOW_MS }), boundIntervals: shiftBound });
      sumFigure('4 restart after quiet', w);
      let cycles = 0;
      for (const reconciler of reconcilers) {
        const text = await (await fetch(`${reconciler.url}/metrics`)).text();
        cycles += Number(/^rl_reconciler_cycle_seconds_count(?:\{[^}]*\})? (\d+)$/m.exec(text)?.[1] ?? 0);
      }
      figures.push({ section: SECTION, name: '4 restart after quiet: reconciliation cycles run after the restart (both instances)', value: cycles, unit: '', target: '> 0', met: cycles > 0 });
    }
    console.log(`global accuracy: done in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    for (const variant of variants) await Promise.all(variant.regions.map((r) => r.stop()));
    for (const reconciler of reconcilers) await reconciler.stop();
    for (const proxy of proxies) await proxy.stop();
    for (const variant of variants) await deleteNamespace(natsUrl, variant.namespace).catch(() => undefined);
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
