/**
 * Reconciler cycle time (issue 4): 100,000 active global keys across 3 regions.
 *
 * What is measured: the in-process core (QuotaBook from @rl/global-quota, the code the reconciler
 * runs) fed directly with synthetic absolute usage reports, then one cycle = the allocation
 * computation + JSON encoding + publishing every resulting AllocationUpdate to a real JetStream
 * stream on the local NATS, in order, each publish acknowledged (what the leader does). Report
 * validation (parseUsageReport of the encoded reports) and ingestion are not in the cycle (they
 * happen between cycles, as reports arrive) and are reported on their own.
 *
 * Two workloads, both under pressure (every key would exhaust some region's allocation within two
 * intervals, so the reconciler must move shares; regions admit only under their allocation):
 * demand that shifts between regions every cycle, so every key's allocations move every cycle (the
 * worst case), and a steady 70/20/10 split.
 *
 * Baseline, same run: one plain Map pass over the same 300,000 (key, region) entries plus
 * JSON.stringify of 300,000 [identity, number] tuples, the least any cycle over that state costs.
 */
import { randomBytes } from 'node:crypto';
import { encodeGlobalMessage, globalAllocationsStream, globalAllocationsSubject, globalAllocationsWildcard, globalWindowStartMs, parseUsageReport, type UsageReport } from '@rl/contracts';
import { QuotaBook } from '@rl/global-quota';
import { connect, DiscardPolicy, nanos, RetentionPolicy, StorageType } from 'nats';
import type { Figure } from './support/report';

const KEYS = 100_000;
const REGIONS = ['us-east', 'eu-west', 'ap-south'];
const LIMIT = 3000;
const WINDOW_SECONDS = 3600;
const CYCLES = Number(process.env.BENCH_RECONCILER_CYCLES ?? 8);
/** Requests per key per interval, all regions together: keys come under pressure from the first cycles. */
const DEMAND_PER_KEY = 250;
const INTERVAL_MS = 1000;

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** One region's reports for every key, split at 4000 keys like an enforcer would. */
function reports(input: { region: string; sequence: number; nowMs: number; appliedEpoch: number; counts: (key: number) => [number, number] }): UsageReport[] {
  const out: UsageReport[] = [];
  const windowStartMs = globalWindowStartMs(input.nowMs, WINDOW_SECONDS);
  for (let from = 0; from < KEYS; from += 4000) {
    const keys: Array<readonly [string, number, number]> = [];
    for (let k = from; k < Math.min(KEYS, from + 4000); k += 1) keys.push([`user:${k}`, ...input.counts(k)]);
    out.push({
      schema: 1,
      region: input.region,
      instanceId: `${input.region}-1`,
      sequence: input.sequence,
      sentAtMs: input.nowMs,
      appliedEpoch: input.appliedEpoch,
      windows: [{ policyId: 'bench-global', windowStartMs, windowSeconds: WINDOW_SECONDS, limit: LIMIT, keys }],
    });
  }
  return out;
}

function baselineMs(): number {
  const map = new Map<string, number[]>();
  for (let k = 0; k < KEYS; k += 1) map.set(`user:${k}`, [k % 7, k % 11, k % 13]);
  const started = performance.now();
  const tuples: Array<[string, number]> = [];
  for (const [key, values] of map) for (let r = 0; r < values.length; r += 1) tuples.push([key, values[r] + r]);
  JSON.stringify(tuples);
  return performance.now() - started;
}

interface Run {
  computeMs: number[];
  publishMs: number[];
  ingestMs: number[];
  messages: number[];
  allocations: number[];
}

async function run(workload: 'shifting' | 'steady', publish: (update: Uint8Array, subject: string, msgId: string) => Promise<void>, namespace: string): Promise<Run> {
  const book = new QuotaBook({ regions: REGIONS, floorPercent: 2, leaseMs: 5000, refreshMs: 150_000 });
  const out: Run = { computeMs: [], publishMs: [], ingestMs: [], messages: [], allocations: [] };
  const admitted = REGIONS.map(() => new Float64Array(KEYS));
  const denied = REGIONS.map(() => new Float64Array(KEYS));
  // Each region admits under its allocation (the static split until one arrives), like the Lua cap.
  const caps = REGIONS.map(() => new Float64Array(KEYS).fill(Math.floor(LIMIT / REGIONS.length)));
  const keyIndex = (identity: string): number => Number(identity.slice(5));
  const applied = REGIONS.map(() => 0);
  let now = Date.now();
  let epoch = 0;
  for (let cycle = 0; cycle < CYCLES + 2; cycle += 1) {
    // Demand per region and key this interval: 70/20/10, rotating every cycle when shifting.
    const shares = workload === 'steady' ? [0.7, 0.2, 0.1] : [[0.7, 0.2, 0.1], [0.1, 0.2, 0.7], [0.2, 0.7, 0.1]][cycle % 3];
    const batch: UsageReport[] = [];
    REGIONS.forEach((region, r) => {
      batch.push(...reports({
        region,
        sequence: cycle + 1,
        nowMs: now,
        appliedEpoch: applied[r],
        counts: (k) => {
          const want = Math.round(shares[r] * DEMAND_PER_KEY * (0.5 + (k % 5) / 4));
          const ok = Math.max(0, Math.min(want, caps[r][k] - admitted[r][k]));
          admitted[r][k] += ok;
          denied[r][k] += want - ok;
          return [admitted[r][k], denied[r][k]];
        },
      }));
    });
    const wire = batch.flatMap((report) => encodeGlobalMessage(report));
    const ingestStarted = performance.now();
    for (const data of wire) {
      const parsed = parseUsageReport(data);
      if (!parsed.ok) throw new Error(`bench report rejected: ${JSON.stringify(parsed.errors)}`);
      book.ingest(parsed.value, now);
    }
    const ingestMs = performance.now() - ingestStarted;
    epoch = book.lastEpoch + 1;
    const started = performance.now();
    const result = book.cycle({ nowMs: now, epoch });
    const computed = performance.now();
    let messages = 0;
    for (const update of result.updates) {
      const subject = globalAllocationsSubject(namespace, update.region);
      for (const [part, data] of encodeGlobalMessage(update).entries()) {
        await publish(data, subject, `alloc-${update.epoch}-${update.region}-${part}`);
        messages += 1;
      }
    }
    const published = performance.now();
    // The regions apply everything at once (their acknowledgement arrives with the next reports).
    for (const update of result.updates) {
      const r = REGIONS.indexOf(update.region);
      applied[r] = update.epoch;
      for (const w of update.windows) for (const [identity, cap] of w.keys) caps[r][keyIndex(identity)] = cap;
    }
    if (cycle >= 2) {
      out.computeMs.push(computed - started);
      out.publishMs.push(published - computed);
      out.ingestMs.push(ingestMs);
      out.messages.push(messages);
      out.allocations.push(result.allocations);
    }
    now += INTERVAL_MS;
  }
  return out;
}

export async function reconcilerCycle(figures: Figure[]): Promise<void> {
  const namespace = `bench${randomBytes(3).toString('hex')}`;
  const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', name: 'bench reconciler-cycle' });
  const jsm = await nc.jetstreamManager();
  const stream = globalAllocationsStream(namespace);
  await jsm.streams.add({
    name: stream,
    subjects: [globalAllocationsWildcard(namespace)],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(300_000),
    duplicate_window: nanos(120_000),
  });
  const js = nc.jetstream();
  const publish = async (data: Uint8Array, subject: string, msgId: string): Promise<void> => {
    await js.publish(subject, data, { msgID: msgId, timeout: 10_000 });
  };
  try {
    const baselines: number[] = [];
    for (let i = 0; i < 5; i += 1) baselines.push(baselineMs());
    const baseline = median(baselines);
    const section = 'reconciler cycle (100k keys × 3 regions)';
    for (const workload of ['shifting', 'steady'] as const) {
      const r = await run(workload, publish, namespace);
      const cycle = r.computeMs.map((c, i) => c + r.publishMs[i]);
      const label = workload === 'shifting' ? 'demand shifting every cycle' : 'steady 70/20/10 demand';
      figures.push({ section, name: `${label}: allocations sent per cycle`, value: median(r.allocations), unit: `(${median(r.messages)} messages)` });
      figures.push({ section, name: `${label}: compute`, value: median(r.computeMs), unit: 'ms' });
      figures.push({ section, name: `${label}: publish to JetStream`, value: median(r.publishMs), unit: 'ms' });
      figures.push({ section, name: `${label}: cycle (compute + publish), p50 / max`, value: median(cycle), unit: `ms (max ${Math.round(Math.max(...cycle))} ms)`, target: '< 500 ms per 1 s interval (p50)', met: median(cycle) < 500 });
      figures.push({ section, name: `${label}: cycle ÷ baseline (Map pass + JSON of 300k entries, ${baseline.toFixed(1)} ms)`, value: median(cycle) / baseline, unit: '×' });
      figures.push({ section, name: `${label}: report validation + ingestion per interval (300k entries, not in the cycle)`, value: median(r.ingestMs), unit: 'ms' });
    }
  } finally {
    await jsm.streams.delete(stream);
    await nc.close();
  }
}

if (require.main === module) {
  const figures: Figure[] = [];
  reconcilerCycle(figures).then(
    () => {
      for (const f of figures) console.log(`${f.section} | ${f.name} | ${f.value.toFixed(2)} ${f.unit}${f.target ? ` | ${f.target} | ${f.met ? 'met' : 'missed'}` : ''}`);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
