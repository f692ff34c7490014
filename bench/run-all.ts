/**
 * `npm run bench`: every figure is a ratio against a baseline measured in the same run, because
 * this machine is shared and noisy. Not part of `npm test`.
 *
 *   1. in-process decisions/s vs rate-limiter-flexible (RateLimiterRedis) and vs redis-benchmark
 *      running our token-bucket script by EVALSHA with -P 16;
 *   2. HTTP req/s of POST /v1/check vs a bare Fastify echo and vs Fastify + rate-limiter-flexible;
 *   3. added p99 latency at a fixed 2,000 req/s, open loop;
 *   4. Redis bytes per active token-bucket key at 1M keys.
 */
import { execFile } from 'node:child_process';
import { cpus } from 'node:os';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { buildCounterKey, type LimitRequest } from '@rl/limiter-core';
import { createRedisClient, RedisCounterStore, ScriptRegistry } from '@rl/redis-store';
import { startNodeService, startRedisServer, freePort, type RedisServerHandle, type ServiceHandle } from '@rl/devstack';
import { closedLoop } from './support/closed-loop';
import { openLoop } from './support/open-loop';
import { report, fmt, type Figure } from './support/report';
import { ensureWrk, runWrk } from './support/wrk';
import { manyPolicies, propagation } from './control-plane';

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

async function inProcess(redis: RedisServerHandle): Promise<void> {
  const client = createRedisClient({ url: redis.url }, { commandTimeoutMs: 1000 });
  const store = new RedisCounterStore({ client });
  await store.load();
  const ours = await closedLoop({ callers: CALLERS, seconds: SECONDS / 2, op: () => store.decide(tokenBucketRequest(randomKey())) });

  const peerClient = new Redis(redis.url, { enableAutoPipelining: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  const peer = new RateLimiterRedis({ storeClient: peerClient, points: 100, duration: 60, keyPrefix: 'rlflex' });
  const theirs = await closedLoop({ callers: CALLERS, seconds: SECONDS / 2, op: () => peer.consume(randomKey()).catch((r: unknown) => r) });

  const sha = new ScriptRegistry().sha('token_bucket');
  const { stdout } = await exec('redis-benchmark', [
    '-p', String(redis.port), '-c', String(CALLERS), '-n', '300000', '-P', '16', '-r', String(KEYS), '-q',
    'EVALSHA', sha, '1', 'rl:{bench:user:__rand_int__}:tb', '100', '60000000', '100', '1', '0',
  ]);
  const raw = Number(/([\d.]+) requests per second/.exec(stdout)?.[1] ?? NaN);

  figures.push({ section: 'in-process', name: 'our decisions/s (50 callers, 100k keys)', value: ours, unit: '/s' });
  figures.push({ section: 'in-process', name: 'rate-limiter-flexible RateLimiterRedis', value: theirs, unit: '/s' });
  figures.push({ section: 'in-process', name: 'ours ÷ rate-limiter-flexible', value: ours / theirs, unit: '×', target: '≥ 1.5×', met: ours / theirs >= 1.5 });
  figures.push({ section: 'in-process', name: 'redis-benchmark EVALSHA -P 16 (same script)', value: raw, unit: '/s' });
  figures.push({ section: 'in-process', name: 'ours ÷ raw EVALSHA -P 16', value: ours / raw, unit: '×' });
  client.disconnect();
  peerClient.disconnect();
}

async function service(name: string, entry: string, env: Record<string, string>): Promise<ServiceHandle> {
  return startNodeService({ name, entry, port: await freePort(), env: { LOG_LEVEL: 'warn', ...env } });
}

async function http(redis: RedisServerHandle): Promise<void> {
  ensureWrk();
  const run = async (svc: ServiceHandle): Promise<number> => {
    await runWrk({ url: `${svc.url}/v1/check`, connections: 50, seconds: 2 }); // warm-up
    const res = await runWrk({ url: `${svc.url}/v1/check`, connections: 50, seconds: SECONDS });
    await svc.stop();
    return res.requestsPerSecond;
  };
  const bare = await run(await service('bare fastify', 'bench/servers/bare-fastify.js', {}));
  const peer = await run(await service('fastify + rate-limiter-flexible', 'bench/servers/rlflex-fastify.js', { REDIS_URL: redis.url }));
  const ours = await run(await service('enforcer', 'apps/enforcer/src/main.js', { REDIS_URL: redis.url, REGION: 'bench' }));
  figures.push({ section: 'http', name: 'bare Fastify echo', value: bare, unit: 'req/s' });
  figures.push({ section: 'http', name: 'Fastify + rate-limiter-flexible', value: peer, unit: 'req/s' });
  figures.push({ section: 'http', name: 'enforcer POST /v1/check', value: ours, unit: 'req/s' });
  figures.push({ section: 'http', name: 'enforcer ÷ bare Fastify', value: ours / bare, unit: '×', target: '≥ 0.8×', met: ours / bare >= 0.8 });
  figures.push({ section: 'http', name: 'enforcer ÷ Fastify + rate-limiter-flexible', value: ours / peer, unit: '×', target: '≥ 1.0×', met: ours / peer >= 1.0 });
}

async function latency(redis: RedisServerHandle): Promise<void> {
  const body = (i: number): string => `{"key":"user:${i % KEYS}"}`;
  const measure = async (svc: ServiceHandle): Promise<number> => {
    await openLoop({ url: `${svc.url}/v1/check`, rate: 2000, seconds: 2, body }); // warm-up
    const res = await openLoop({ url: `${svc.url}/v1/check`, rate: 2000, seconds: SECONDS, body });
    await svc.stop();
    return res.p99Ms;
  };
  const bare = await measure(await service('bare fastify', 'bench/servers/bare-fastify.js', {}));
  const ours = await measure(await service('enforcer', 'apps/enforcer/src/main.js', { REDIS_URL: redis.url, REGION: 'bench' }));
  figures.push({ section: 'latency @2k req/s', name: 'bare Fastify p99', value: bare, unit: 'ms' });
  figures.push({ section: 'latency @2k req/s', name: 'enforcer p99', value: ours, unit: 'ms' });
  figures.push({ section: 'latency @2k req/s', name: 'added p99 (enforcer − bare)', value: ours - bare, unit: 'ms', target: '≤ 1 ms', met: ours - bare <= 1 });
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
  const redis = await startRedisServer();
  try {
    if (!only || only === 'inprocess') await inProcess(redis);
    if (!only || only === 'http') await http(redis);
    if (!only || only === 'latency') await latency(redis);
  } finally {
    await redis.stop();
  }
  if (!only || only === 'memory') await memory();
  if (!only || only === 'propagation') await propagation(figures);
  if (!only || only === 'policies') await manyPolicies(figures);
  report(figures, { date: new Date().toISOString(), cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`, node: process.version, seconds: String(SECONDS) });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
