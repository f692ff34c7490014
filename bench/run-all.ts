/**
 * `npm run bench`: every figure is a ratio against a baseline measured in the same run, because
 * this machine is shared and noisy. Not part of `npm test`.
 *
 *   1. in-process decisions/s vs rate-limiter-flexible (RateLimiterRedis) and vs redis-benchmark
 *      running our token-bucket script by EVALSHA with -P 16;
 *   2. HTTP req/s of POST /v1/check vs a bare Fastify echo and vs Fastify + rate-limiter-flexible;
 *   3. added p99 latency at a fixed 2,000 req/s, open loop;
 *   4. Redis bytes per active token-bucket key at 1M keys.
 * Further sections live in their own files (control-plane, hot-path, decision-pipeline, envoy-grpc,
 * global-accuracy, reconciler-cycle, concurrency-settle); `npm run bench -- <section>` runs one.
 */
import { execFile } from 'node:child_process';
import { cpus } from 'node:os';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { buildCounterKey, type LimitRequest } from '@rl/limiter-core';
import { CountingMetrics, DecisionPipeline, RedisStoreBackend } from '@rl/decision-pipeline';
import { createLogger } from '@rl/platform';
import { createRedisClient, RedisCounterStore, ScriptRegistry } from '@rl/redis-store';
import { startNodeService, startRedisServer, freePort, waitFor, type RedisServerHandle, type ServiceHandle } from '@rl/devstack';
import { closedLoop } from './support/closed-loop';
import { openLoop } from './support/open-loop';
import { report, fmt, type Figure } from './support/report';
import { ensureWrk, runWrk } from './support/wrk';
import { manyPolicies, propagation } from './control-plane';
import { hotKey, keyFloods, redisKilled } from './hot-path';
import { exactUnderBursts, redisCostPerDecision, redisStopped, saturation } from './decision-pipeline';
import { onLoadCpus, pinningNote, pinSelfToLoad, pinServer } from './support/pinning';
import { envoyGrpc } from './envoy-grpc';
import { globalAccuracy } from './global-accuracy';
import { reconcilerCycle } from './reconciler-cycle';
import { concurrencyAndSettle } from './concurrency-settle';
import { stackedLimits } from './stacked-limits';

const exec = promisify(execFile);
const KEYS = 100_000;
const CALLERS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const figures: Figure[] = [];

const randomKey = (): string => `user:${1 + Math.floor(Math.random() * KEYS)}`;
const tokenBucketRequest = (identity: string, windowUs = 60_000_000): LimitRequest => ({
  key: buildCounterKey({ policyId: 'bench', identity, algorithm: 'token_bucket' }),
  algorithm: 'token_bucket',
  limit: 100,
  windowUs,
  burst: 100,
  cost: 1,
});

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Runs each contender once per round, in turn, for ROUNDS rounds, so that drift in this shared
 * machine's load falls on all of them alike; figures are medians over rounds, and ratios are
 * medians of the per-round ratios.
 */
async function rounds<K extends string>(contenders: Record<K, () => Promise<number>>): Promise<Record<K, number[]>> {
  const results = Object.fromEntries(Object.keys(contenders).map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r < ROUNDS; r++) {
    for (const key of Object.keys(contenders) as K[]) results[key].push(await contenders[key]());
  }
  return results;
}

const ratios = (a: readonly number[], b: readonly number[]): number[] => a.map((x, i) => x / b[i]);

/**
 * In process, no HTTP: the enforcer's decision pipeline (batches per event-loop turn, the breaker
 * and the progress deadline, as `npm start` configures them; no hot-key layer, since the keys are
 * random) against rate-limiter-flexible's RateLimiterRedis and against redis-benchmark running our
 * single-decision token-bucket script with -P 16 (the one-command-per-decision ceiling).
 */
async function inProcess(redis: RedisServerHandle): Promise<void> {
  const logger = createLogger({ service: 'bench', level: 'silent' });
  const metrics = new CountingMetrics();
  const backend = new RedisStoreBackend({
    settings: {
      url: redis.url,
      clusterNodes: undefined,
      sentinels: undefined,
      auth: {},
      commandTimeoutMs: 50,
      fallbackUrl: undefined,
      breaker: { failureThreshold: 3, failureWindowMs: 1_000, cooldownMs: 250, cooldownJitterMs: 250 },
    },
    connectionName: 'bench-inprocess',
    logger,
    metrics,
  });
  backend.start();
  await waitFor('bench store ready', () => backend.ping().then(() => true, () => false), 10_000);
  const pipeline = new DecisionPipeline({ backend, metrics, logger });
  const local = { limit: 50, burst: 50 };
  const peerClient = new Redis(redis.url, { enableAutoPipelining: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  const peer = new RateLimiterRedis({ storeClient: peerClient, points: 100, duration: 60, keyPrefix: 'rlflex' });
  const sha = new ScriptRegistry().sha('token_bucket');
  const seconds = SECONDS / 3;

  const r = await rounds({
    ours: () => closedLoop({ callers: CALLERS, seconds, op: () => pipeline.decide({ request: tokenBucketRequest(randomKey()), failureMode: 'open', local }) }),
    peer: () => closedLoop({ callers: CALLERS, seconds, op: () => peer.consume(randomKey()).catch((rejected: unknown) => rejected) }),
    raw: async () => {
      const { command, args } = onLoadCpus('redis-benchmark', [
        '-p', String(redis.port), '-c', String(CALLERS), '-n', '150000', '-P', '16', '-r', String(KEYS), '-q',
        'EVALSHA', sha, '1', 'rl:{bench:user:__rand_int__}:tu', '100', '60000000', '100', '1', '0',
      ]);
      const { stdout } = await exec(command, args);
      return Number(/([\d.]+) requests per second/.exec(stdout)?.[1] ?? NaN);
    },
  });
  const vsPeer = median(ratios(r.ours, r.peer));
  figures.push({ section: 'in-process', name: 'our decisions/s (50 callers, 100k keys)', value: median(r.ours), unit: '/s' });
  figures.push({ section: 'in-process', name: 'rate-limiter-flexible RateLimiterRedis', value: median(r.peer), unit: '/s' });
  figures.push({ section: 'in-process', name: 'ours ÷ rate-limiter-flexible', value: vsPeer, unit: '×', target: '≥ 1.5×', met: vsPeer >= 1.5 });
  figures.push({ section: 'in-process', name: 'redis-benchmark EVALSHA -P 16 (same script)', value: median(r.raw), unit: '/s' });
  const vsRaw = median(ratios(r.ours, r.raw));
  figures.push({ section: 'in-process', name: 'ours ÷ raw EVALSHA -P 16', value: vsRaw, unit: '×', target: '≥ 1.0×', met: vsRaw >= 1 });
  const sizes = metrics.batches;
  figures.push({ section: 'in-process', name: 'decisions per batch (mean)', value: sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length), unit: '' });
  figures.push({ section: 'in-process', name: 'decisions not decided by Redis (store failures)', value: metrics.storeFailures.timeout + metrics.storeFailures.unavailable + metrics.storeFailures.circuit_open, unit: '', target: '0', met: metrics.storeFailures.timeout + metrics.storeFailures.unavailable + metrics.storeFailures.circuit_open === 0 });
  await backend.close();
  peerClient.disconnect();
}

async function service(name: string, entry: string, env: Record<string, string>): Promise<ServiceHandle> {
  const svc = await startNodeService({ name, entry, port: await freePort(), env: { LOG_LEVEL: 'warn', ...env } });
  pinServer(svc.process.child.pid);
  return svc;
}

async function http(redis: RedisServerHandle): Promise<void> {
  ensureWrk();
  const bare = await service('bare fastify', 'bench/servers/bare-fastify.js', {});
  const peer = await service('fastify + rate-limiter-flexible', 'bench/servers/rlflex-fastify.js', { REDIS_URL: redis.url });
  const ours = await service('enforcer', 'apps/enforcer/src/main.js', { REDIS_URL: redis.url, REGION: 'bench' });
  try {
    for (const svc of [bare, peer, ours]) await runWrk({ url: `${svc.url}/v1/check`, connections: 50, seconds: 2 }); // warm-up
    const measure = (svc: ServiceHandle) => async (): Promise<number> =>
      (await runWrk({ url: `${svc.url}/v1/check`, connections: 50, seconds: SECONDS / 2 })).requestsPerSecond;
    const r = await rounds({ bare: measure(bare), peer: measure(peer), ours: measure(ours) });
    const vsBare = median(ratios(r.ours, r.bare));
    const vsPeer = median(ratios(r.ours, r.peer));
    figures.push({ section: 'http', name: 'bare Fastify echo', value: median(r.bare), unit: 'req/s' });
    figures.push({ section: 'http', name: 'Fastify + rate-limiter-flexible', value: median(r.peer), unit: 'req/s' });
    figures.push({ section: 'http', name: 'enforcer POST /v1/check', value: median(r.ours), unit: 'req/s' });
    figures.push({ section: 'http', name: 'enforcer ÷ bare Fastify', value: vsBare, unit: '×', target: '≥ 0.8×', met: vsBare >= 0.8 });
    figures.push({ section: 'http', name: 'enforcer ÷ Fastify + rate-limiter-flexible', value: vsPeer, unit: '×', target: '≥ 1.0×', met: vsPeer >= 1.0 });
    figures.push({ section: 'http', name: 'enforcer decisions answered degraded (local fallback)', value: 100 * (await degradedShare(ours.url)), unit: '%', target: '0 %', met: (await degradedShare(ours.url)) === 0 });
  } finally {
    await Promise.all([bare.stop(), peer.stop(), ours.stop()]);
  }
}

/** Share of the enforcer's decisions that did not come from Redis (read from its own /metrics). */
async function degradedShare(enforcerUrl: string): Promise<number> {
  const text = await (await fetch(`${enforcerUrl}/metrics`)).text();
  let all = 0;
  let degraded = 0;
  for (const line of text.split('\n')) {
    const m = /^rl_decisions_total\{([^}]*)\} (\d+(?:\.\d+)?)/.exec(line);
    if (!m) continue;
    all += Number(m[2]);
    if (/result="degraded/.test(m[1])) degraded += Number(m[2]);
  }
  return all === 0 ? 0 : degraded / all;
}

async function latency(redis: RedisServerHandle): Promise<void> {
  const body = (i: number): string => `{"key":"user:${i % KEYS}"}`;
  const bare = await service('bare fastify', 'bench/servers/bare-fastify.js', {});
  const ours = await service('enforcer', 'apps/enforcer/src/main.js', { REDIS_URL: redis.url, REGION: 'bench' });
  try {
    for (const svc of [bare, ours]) await openLoop({ url: `${svc.url}/v1/check`, rate: 2000, seconds: 2, body }); // warm-up
    const p = { bare: [] as number[], ours: [] as number[] };
    const p50 = { bare: [] as number[], ours: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, svc] of [['bare', bare], ['ours', ours]] as const) {
        const res = await openLoop({ url: `${svc.url}/v1/check`, rate: 2000, seconds: SECONDS / 2, body });
        p[name].push(res.p99Ms);
        p50[name].push(res.p50Ms);
      }
    }
    const added = median(p.ours.map((x, i) => x - p.bare[i]));
    figures.push({ section: 'latency @2k req/s', name: 'bare Fastify p50 / p99', value: median(p.bare), unit: `ms p99 (p50 ${fmt(median(p50.bare))} ms)` });
    figures.push({ section: 'latency @2k req/s', name: 'enforcer p50 / p99', value: median(p.ours), unit: `ms p99 (p50 ${fmt(median(p50.ours))} ms)` });
    figures.push({ section: 'latency @2k req/s', name: 'added p50 (enforcer − bare)', value: median(p50.ours.map((x, i) => x - p50.bare[i])), unit: 'ms' });
    figures.push({ section: 'latency @2k req/s', name: 'added p99 (enforcer − bare)', value: added, unit: 'ms', target: '≤ 1 ms', met: added <= 1 });
    figures.push({ section: 'latency @2k req/s', name: 'enforcer decisions answered degraded', value: 100 * (await degradedShare(ours.url)), unit: '%' });
  } finally {
    await Promise.all([bare.stop(), ours.stop()]);
  }
}

async function memory(): Promise<void> {
  const redis = await startRedisServer();
  try {
    const client = createRedisClient({ url: redis.url }, { commandTimeoutMs: 5000 });
    const store = new RedisCounterStore({ client });
    await store.load();
    const used = async (): Promise<number> => Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1]);
    const before = await used();
    const N = 1_000_000;
    let next = 0;
    await Promise.all(
      Array.from({ length: 256 }, async () => {
        // A one-day window keeps every key alive (TTL = time to refill) until it is counted.
        while (next < N) await store.decide(tokenBucketRequest(`user:${next++}`, 86_400_000_000));
      }),
    );
    const keys = await client.dbsize();
    const perKey = ((await used()) - before) / keys;
    figures.push({ section: 'redis memory', name: `bytes per token-bucket key (${fmt(keys)} keys)`, value: perKey, unit: 'B', target: '≤ 150 B', met: perKey <= 150 });
    client.disconnect();
  } finally {
    await redis.stop();
  }
}

async function main(): Promise<void> {
  const only = process.argv[2];
  pinSelfToLoad();
  const redis = await startRedisServer();
  pinServer(redis.process.child.pid);
  try {
    if (!only || only === 'inprocess') await inProcess(redis);
    if (!only || only === 'http') await http(redis);
    if (!only || only === 'latency') await latency(redis);
  } finally {
    await redis.stop();
  }
  if (!only || only === 'exact') await exactUnderBursts(figures);
  if (!only || only === 'saturation') await saturation(figures);
  if (!only || only === 'redis-stopped') await redisStopped(figures);
  if (!only || only === 'redis-cost') await redisCostPerDecision(figures);
  if (!only || only === 'memory') await memory();
  if (!only || only === 'memory' || only === 'key-floods') await keyFloods(figures);
  if (!only || only === 'hot-key') await hotKey(figures);
  if (!only || only === 'redis-killed') await redisKilled(figures);
  if (!only || only === 'propagation') await propagation(figures);
  if (!only || only === 'policies') await manyPolicies(figures);
  if (!only || only === 'envoy') await envoyGrpc(figures);
  if (!only || only === 'global-accuracy') await globalAccuracy(figures);
  if (!only || only === 'reconciler-cycle') await reconcilerCycle(figures);
  if (!only || only === 'concurrency-settle') await concurrencyAndSettle(figures);
  if (!only || only === 'stacked') await stackedLimits(figures);
  report(figures, { date: new Date().toISOString(), cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`, node: process.version, 'seconds per run': String(SECONDS / 2), rounds: String(ROUNDS), pinning: pinningNote() });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
