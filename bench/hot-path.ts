/**
 * The hot path under abuse and faults (issue 5, §4 and §6). Each figure comes with a baseline
 * measured in the same run:
 *
 *   1. one hot key at maximum load across two enforcer instances: Redis script calls per decision
 *      (INFO commandstats deltas) and admitted vs the limit, with hot-key leases and the deny cache
 *      on, against the same load with both off;
 *   2. Redis killed at 5k req/s: decision p99 (the enforcer's own histogram), 5xx count and RSS
 *      growth, against the same load with Redis alive;
 *   3. key floods: Redis bytes per key for 1M random IPv4 keys (written through the lease script:
 *      a lease adds no key of its own) and 1M rotating IPv6 /64 prefixes, with the identities our
 *      integrations send (`ip:<address>`, `ip:<network>/64`), against 1M `user:<n>` keys in the
 *      same run (the baseline).
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { buildCounterKey, type LimitRequest } from '@rl/limiter-core';
import { createRedisClient, RedisCounterStore, RedisLeaseStore } from '@rl/redis-store';
import { freePort, startNodeService, startRedisServer, waitFor, type RedisServerHandle, type ServiceHandle } from '@rl/devstack';
import { createLogger } from '@rl/platform';
import { EnforcerConfig } from '../apps/enforcer/src/config/enforcer-config';
import { EnforcerMetrics } from '../apps/enforcer/src/metrics/enforcer-metrics';
import { DecisionPipeline, RedisStoreBackend } from '@rl/decision-pipeline';
import { pinServer } from './support/pinning';
import { scriptCalls } from './support/redis-stats';
import { openLoop } from './support/open-loop';
import { fmt, type Figure } from './support/report';
import { ensureWrk, runWrk } from './support/wrk';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Per-key memory budget of the key-flood benchmark (the same as the token-bucket figure's). */
const BYTES_PER_KEY_BUDGET = 150;
const HOT_LIMIT = 10_000;

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function enforcer(name: string, redis: RedisServerHandle, env: Record<string, string> = {}): Promise<ServiceHandle> {
  pinServer(redis.process.child.pid);
  const svc = await startNodeService({ name, entry: 'apps/enforcer/src/main.js', port: await freePort(), env: { LOG_LEVEL: 'warn', REDIS_URL: redis.url, REGION: 'bench', ...env } });
  pinServer(svc.process.child.pid);
  return svc;
}

/** Sums of rl_decisions_total by result, and the rl_check_duration_seconds buckets, from /metrics. */
async function scrape(url: string): Promise<{ results: Map<string, number>; buckets: Map<number, number> }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const results = new Map<string, number>();
  const buckets = new Map<number, number>();
  for (const line of text.split('\n')) {
    const decision = /^rl_decisions_total\{[^}]*result="([a-z_]+)"[^}]*\} (\d+)/.exec(line);
    if (decision) results.set(decision[1], (results.get(decision[1]) ?? 0) + Number(decision[2]));
    const bucket = /^rl_check_duration_seconds_bucket\{[^}]*le="([^"]+)"[^}]*\} (\d+)/.exec(line);
    if (bucket) buckets.set(bucket[1] === '+Inf' ? Infinity : Number(bucket[1]), Number(bucket[2]));
  }
  return { results, buckets };
}

const sum = (m: Map<string, number>, pick: (result: string) => boolean): number => [...m].filter(([r]) => pick(r)).reduce((a, [, n]) => a + n, 0);

/** The smallest histogram bound under which 99% of the decisions between two scrapes fell, ms. */
function p99FromBuckets(before: Map<number, number>, after: Map<number, number>): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  for (const bound of bounds) {
    if ((after.get(bound) ?? 0) - (before.get(bound) ?? 0) >= 0.99 * total) return bound * 1000;
  }
  return Infinity;
}


/** 1. One hot key, two enforcers, wrk at full speed on both. */
export async function hotKey(figures: Figure[]): Promise<void> {
  ensureWrk();
  const redis = await startRedisServer();
  const admin = new Redis(redis.url);
  const leased = [await enforcer('enforcer a (leases)', redis), await enforcer('enforcer b (leases)', redis)];
  const off = { HOTKEY_THRESHOLD_PER_SECOND: '0', DENY_CACHE_MAX_KEYS: '0' };
  const plain = [await enforcer('enforcer a (no leases)', redis, off), await enforcer('enforcer b (no leases)', redis, off)];
  const seconds = SECONDS / 2;
  let round = 0;
  const measure = async (pair: ServiceHandle[]): Promise<{ callsPerDecision: number; admitted: number; decisions: number; rps: number; errors: number }> => {
    process.env.BENCH_HOT_KEY = `hot:${round++}`;
    process.env.BENCH_HOT_LIMIT = String(HOT_LIMIT);
    const before = await Promise.all(pair.map((svc) => scrape(svc.url)));
    await admin.config('RESETSTAT');
    const runs = await Promise.all(pair.map((svc) => runWrk({ url: `${svc.url}/v1/check`, connections: 25, seconds, script: 'hot-key.lua' })));
    const calls = await scriptCalls(admin);
    const after = await Promise.all(pair.map((svc) => scrape(svc.url)));
    let decisions = 0;
    let admitted = 0;
    let errors = 0;
    after.forEach((a, i) => {
      const delta = (pick: (r: string) => boolean): number => sum(a.results, pick) - sum(before[i].results, pick);
      decisions += delta(() => true);
      admitted += delta((r) => r === 'allowed' || r === 'degraded_allowed');
      errors += delta((r) => r.startsWith('degraded'));
    });
    return { callsPerDecision: calls / decisions, admitted, decisions, rps: runs.reduce((a, r) => a + r.requestsPerSecond, 0), errors };
  };
  try {
    // Warm-up (JIT, connections), on keys of their own.
    await measure(leased);
    await measure(plain);
    const withLeases: Awaited<ReturnType<typeof measure>>[] = [];
    const without: Awaited<ReturnType<typeof measure>>[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      withLeases.push(await measure(leased));
      without.push(await measure(plain));
    }
    const calls = median(withLeases.map((m) => m.callsPerDecision));
    const maxAdmitted = Math.max(...withLeases.map((m) => m.admitted));
    // The limit is per day: over a few seconds the bucket refills by well under one token per second.
    const allowance = HOT_LIMIT + Math.ceil((seconds * HOT_LIMIT) / 86_400);
    const section = 'hot key (2 enforcers, 1 key)';
    figures.push({ section, name: 'decisions/s, both instances (leases on)', value: median(withLeases.map((m) => m.rps)), unit: 'req/s' });
    figures.push({ section, name: 'decisions/s, both instances (leases and deny cache off)', value: median(without.map((m) => m.rps)), unit: 'req/s' });
    const speedup = median(withLeases.map((m, i) => m.rps / without[i].rps));
    figures.push({ section, name: 'decisions/s with leases ÷ without', value: speedup, unit: '×', target: '≥ 1.5×', met: speedup >= 1.5 });
    figures.push({ section, name: 'Redis calls per decision (leases on)', value: calls, unit: '', target: '≤ 0.05', met: calls <= 0.05 });
    figures.push({ section, name: 'Redis calls per decision (off: baseline)', value: median(without.map((m) => m.callsPerDecision)), unit: '' });
    figures.push({ section, name: 'calls per decision, on ÷ off', value: median(withLeases.map((m, i) => m.callsPerDecision / without[i].callsPerDecision)), unit: '×' });
    figures.push({
      section,
      name: `admitted, worst round (limit ${fmt(HOT_LIMIT)} per day, ${fmt(median(withLeases.map((m) => m.decisions)))} decisions)`,
      value: maxAdmitted,
      unit: '',
      target: `≤ ${fmt(allowance)}`,
      met: maxAdmitted <= allowance,
    });
    figures.push({ section, name: 'admitted without leases (baseline), worst round', value: Math.max(...without.map((m) => m.admitted)), unit: '' });
    figures.push({ section, name: 'decisions answered degraded, worst round, leases on / off', value: Math.max(...withLeases.map((m) => m.errors)), unit: `on (off: ${fmt(Math.max(...without.map((m) => m.errors)))})` });
  } finally {
    admin.disconnect();
    await Promise.all([...leased, ...plain].map((svc) => svc.stop()));
    await redis.stop();
    delete process.env.BENCH_HOT_KEY;
    delete process.env.BENCH_HOT_LIMIT;
  }
}

function rssBytes(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
}

/**
 * 2. Open loop over 100k keys: Redis alive (the baseline), then Redis killed 0.5 s in. At 5k req/s
 * (the target rate) and at a rate this 2-core machine sustains with the load generator beside it
 * (BENCH_KILL_RATES, default "2000,5000"): an overloaded server queues requests, and every figure
 * then measures the queue, not the decision path.
 */
export async function redisKilled(figures: Figure[]): Promise<void> {
  const rates = (process.env.BENCH_KILL_RATES ?? '2000,5000').split(',').map(Number);
  await decisionPathKilled(5_000, figures);
  for (const rate of rates) await redisKilledAt(rate, figures);
}

/**
 * The decision path alone, in this process, with no HTTP: the enforcer's DecisionPipeline (batches,
 * breaker, tiers, hot-key layer, local fallback), driven open loop at `rate`
 * decisions/s over 100k keys. Latency counts from when each decision was due, so a stall is
 * charged in full. Redis alive (baseline), then killed 0.5 s in.
 */
async function decisionPathKilled(rate: number, figures: Figure[]): Promise<void> {
  const redis = await startRedisServer();
  const config = EnforcerConfig.fromEnv({ REDIS_URL: redis.url, LOG_LEVEL: 'silent' });
  const backend = new RedisStoreBackend({
    settings: config.redis,
    connectionName: 'bench',
    logger: createLogger({ service: 'bench', level: 'silent' }),
    metrics: new EnforcerMetrics(new Registry(), 'bench'),
    hotKeys: config.hotKeys,
  });
  const pipeline = new DecisionPipeline({ backend, metrics: new EnforcerMetrics(new Registry(), 'bench'), logger: createLogger({ service: 'bench', level: 'silent' }) });
  const request = (i: number): LimitRequest => ({
    key: buildCounterKey({ policyId: 'bench', identity: `user:${(i * 7_919) % 100_000}`, algorithm: 'token_bucket' }),
    algorithm: 'token_bucket',
    limit: 100,
    windowUs: 60_000_000,
    burst: 100,
    cost: 1,
  });
  const decide = async (req: LimitRequest): Promise<boolean> => (await pipeline.decide({ request: req, failureMode: 'open', local: { limit: 50, burst: 50 } })).source !== 'store';
  const run = async (seconds: number): Promise<{ p99: number; degraded: number }> => {
    const total = Math.round(rate * seconds);
    const latencies: number[] = [];
    let degraded = 0;
    const inflight: Promise<void>[] = [];
    const start = performance.now();
    let i = 0;
    await new Promise<void>((done) => {
      const tick = (): void => {
        const now = performance.now();
        while (i < total && start + (i * 1000) / rate <= now) {
          const due = start + (i * 1000) / rate;
          inflight.push(
            decide(request(i)).then((wasDegraded) => {
              latencies.push(performance.now() - due);
              if (wasDegraded) degraded++;
            }),
          );
          i++;
        }
        if (i >= total) return done();
        setTimeout(tick, Math.max(0, start + (i * 1000) / rate - performance.now()));
      };
      tick();
    });
    await Promise.all(inflight);
    latencies.sort((a, b) => a - b);
    return { p99: latencies[Math.floor(latencies.length * 0.99)] ?? NaN, degraded };
  };
  try {
    backend.start();
    await waitFor('bench store ready', async () => backend.ping().then(() => true, () => false), 10_000);
    await run(2); // warm-up
    const alive = await run(SECONDS / 2);
    const killer = setTimeout(() => redis.process.child.kill('SIGKILL'), 500);
    const dead = await run(SECONDS / 2);
    clearTimeout(killer);
    const section = `redis killed @${fmt(rate)} decisions/s, in-process (no HTTP)`;
    figures.push({ section, name: 'decision p99 from due time, Redis alive (baseline)', value: alive.p99, unit: 'ms' });
    figures.push({ section, name: 'decision p99 from due time, Redis killed', value: dead.p99, unit: 'ms', target: '≤ 5 ms', met: dead.p99 <= 5 });
    figures.push({ section, name: 'killed ÷ alive p99', value: dead.p99 / alive.p99, unit: '×' });
    figures.push({ section, name: 'decisions answered by the local fallback while killed', value: dead.degraded, unit: `of ${fmt(Math.round((rate * SECONDS) / 2))}` });
  } finally {
    await backend.close();
    await redis.stop();
  }
}

/** Samples a process's RSS every 100 ms until stopped; returns the samples, bytes. */
function sampleRss(pid: number | undefined): { stop: () => number[] } {
  const samples = [rssBytes(pid)];
  const timer = setInterval(() => samples.push(rssBytes(pid)), 100);
  return {
    stop: () => {
      clearInterval(timer);
      samples.push(rssBytes(pid));
      return samples;
    },
  };
}

/** Process memory gauges from /metrics (prom-client's default metrics), bytes. */
async function memoryGauges(url: string): Promise<{ heapUsed: number; heapTotal: number; external: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const gauge = (name: string): number => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
  return { heapUsed: gauge('nodejs_heap_size_used_bytes'), heapTotal: gauge('nodejs_heap_size_total_bytes'), external: gauge('nodejs_external_memory_bytes') };
}

async function redisKilledAt(rate: number, figures: Figure[]): Promise<void> {
  const redis = await startRedisServer();
  const svc = await enforcer('enforcer (redis killed)', redis);
  const seconds = SECONDS;
  const body = (i: number): string => `{"key":"user:${(i * 7_919) % 100_000}"}`;
  const url = `${svc.url}/v1/check`;
  try {
    await openLoop({ url, rate, seconds: 3, body }); // warm-up: JIT, connection, keys
    const pid = svc.process.child.pid;
    const aliveBefore = await scrape(svc.url);
    const rssAlive = sampleRss(pid);
    const alive = await openLoop({ url, rate, seconds, body });
    const aliveRss = rssAlive.stop();
    const aliveAfter = await scrape(svc.url);
    const rssBefore = rssBytes(pid);
    const memoryBefore = await memoryGauges(svc.url);
    const killer = setTimeout(() => redis.process.child.kill('SIGKILL'), 500);
    const deadBefore = await scrape(svc.url);
    const rssDead = sampleRss(pid);
    const dead = await openLoop({ url, rate, seconds, body });
    const deadRss = rssDead.stop();
    clearTimeout(killer);
    const deadAfter = await scrape(svc.url);
    const rssAfter = rssBytes(pid);
    const memoryAfter = await memoryGauges(svc.url);
    const alivep99 = p99FromBuckets(aliveBefore.buckets, aliveAfter.buckets);
    const deadp99 = p99FromBuckets(deadBefore.buckets, deadAfter.buckets);
    const degraded = sum(deadAfter.results, (r) => r.startsWith('degraded')) - sum(deadBefore.results, (r) => r.startsWith('degraded'));
    // RSS saw-tooths by ±10% at this load whatever Redis does: V8 lets old-space garbage (HTTP
    // objects that outlive two scavenges on keep-alive sockets) build up to a limit set from the
    // live size at the last full GC, then collects it. Two single samples measure where in that
    // cycle they fell; the peaks of equal-length phases under the same load measure the footprint.
    const growth = (100 * (Math.max(...deadRss) - Math.max(...aliveRss))) / Math.max(...aliveRss);
    const instantGrowth = (100 * (rssAfter - rssBefore)) / rssBefore;
    const aliveDrift = (100 * (aliveRss[aliveRss.length - 1] - aliveRss[0])) / aliveRss[0];
    const section = `redis killed @${fmt(rate)} req/s`;
    figures.push({ section, name: 'decision p99, Redis alive (histogram bound; baseline)', value: alivep99, unit: 'ms' });
    figures.push({ section, name: 'decision p99, Redis killed (histogram bound)', value: deadp99, unit: 'ms', target: '≤ 5 ms', met: deadp99 <= 5 });
    figures.push({ section, name: 'HTTP p99 at the load generator, Redis killed', value: dead.p99Ms, unit: `ms (alive: ${fmt(alive.p99Ms)} ms)` });
    figures.push({ section, name: 'decisions answered degraded while killed', value: degraded, unit: `of ${fmt(dead.sent)}` });
    figures.push({ section, name: '5xx responses and failed requests (failureMode open)', value: dead.serverErrors + dead.errors, unit: '', target: '0', met: dead.serverErrors + dead.errors === 0 });
    figures.push({
      section,
      name: `RSS growth while killed: peak RSS killed ÷ peak RSS alive (baseline), ${fmt(Math.max(...aliveRss) / 1048576)} MB alive`,
      value: growth,
      unit: '%',
      target: '< 10%',
      met: growth < 10,
    });
    figures.push({ section, name: `RSS at the end ÷ at the start of the killed phase (single samples; ${fmt(rssBefore / 1048576)} MB at the start)`, value: instantGrowth, unit: '%' });
    figures.push({ section, name: 'RSS at the end ÷ at the start of the alive phase (single samples: the saw-tooth alone)', value: aliveDrift, unit: '%' });
    const mb = (bytes: number): string => fmt(bytes / 1048576);
    figures.push({
      section,
      name: 'of which V8 heap (used / total) and external memory, MB',
      value: (memoryAfter.heapTotal - memoryBefore.heapTotal) / 1048576,
      unit: `MB heap total (used ${mb(memoryBefore.heapUsed)} -> ${mb(memoryAfter.heapUsed)}, external ${mb(memoryBefore.external)} -> ${mb(memoryAfter.external)})`,
    });
  } finally {
    await svc.stop();
    await redis.stop();
  }
}

/** 3. 1M keys of each kind into an empty Redis; bytes per key from INFO memory. */
export async function keyFloods(figures: Figure[]): Promise<void> {
  const N = Number(process.env.BENCH_FLOOD_KEYS ?? 1_000_000);
  const day = 86_400_000_000;
  const kinds: { name: string; identity: (i: number) => string; via: 'lease' | 'decide' }[] = [
    // A random IPv4 address per key, written by the lease script (one-unit leases).
    { name: 'random IPv4 keys, via lease script', identity: () => `ip:${rand(256)}.${rand(256)}.${rand(256)}.${rand(256)}`, via: 'lease' },
    // An attacker rotating through IPv6 addresses: gateways key IPv6 callers by their /64 (the
    // `ip:<network>/64` identity @rl/client produces), so every new /64 is a new key (rotation
    // inside one /64 is one key).
    { name: 'rotating IPv6 /64 prefixes', identity: () => `ip:2001:db8:${hex16()}:${hex16()}::/64`, via: 'decide' },
    // The baseline: short account identities.
    { name: 'user:<n> keys (baseline)', identity: (i) => `user:${i}`, via: 'decide' },
  ];
  const perKeyOf = new Map<string, number>();
  for (const kind of kinds) {
    const redis = await startRedisServer();
    const client = createRedisClient({ url: redis.url }, { commandTimeoutMs: 5_000 });
    try {
      const store = new RedisCounterStore({ client });
      const leases = new RedisLeaseStore({ client });
      await store.load();
      await leases.load();
      const used = async (): Promise<number> => Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1]);
      const before = await used();
      let next = 0;
      await Promise.all(
        Array.from({ length: 256 }, async () => {
          while (next < N) {
            next++;
            const request = { key: buildCounterKey({ policyId: 'bench', identity: kind.identity(next), algorithm: 'token_bucket' }), algorithm: 'token_bucket' as const, limit: 100, windowUs: day, burst: 100, cost: 1 };
            if (kind.via === 'lease') await leases.acquire({ request, want: 1 });
            else await store.decide(request);
          }
        }),
      );
      const keys = await client.dbsize();
      const perKey = ((await used()) - before) / keys;
      const noTtl = await keysWithoutTtl(client as Redis, 1_000);
      perKeyOf.set(kind.name, perKey);
      figures.push({ section: 'key floods', name: `bytes per key: ${kind.name} (${fmt(keys)} keys)`, value: perKey, unit: 'B', target: `≤ ${BYTES_PER_KEY_BUDGET} B`, met: perKey <= BYTES_PER_KEY_BUDGET });
      figures.push({ section: 'key floods', name: `keys without a TTL among 1,000 sampled (${kind.name})`, value: noTtl, unit: '', target: '0', met: noTtl === 0 });
    } finally {
      client.disconnect();
      await redis.stop();
    }
  }
  const baseline = perKeyOf.get(kinds[kinds.length - 1].name) as number;
  for (const kind of kinds.slice(0, -1)) {
    figures.push({ section: 'key floods', name: `bytes per key ÷ baseline: ${kind.name}`, value: (perKeyOf.get(kind.name) as number) / baseline, unit: '×' });
  }
}

const rand = (n: number): number => Math.floor(Math.random() * n);
const hex16 = (): string => rand(65_536).toString(16);

async function keysWithoutTtl(client: Redis, sample: number): Promise<number> {
  let without = 0;
  for (let i = 0; i < sample; i++) {
    const key = await client.randomkey();
    if (key !== null && (await client.pttl(key)) < 0) without++;
  }
  return without;
}
