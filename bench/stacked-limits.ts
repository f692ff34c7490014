import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Policy } from '@rl/contracts';
import { freePort, startNodeService, startRedisServer, type ServiceHandle } from '@rl/devstack';
import { buildCounterKey, type StoreRequest } from '@rl/limiter-core';
import { createRedisClient, RedisCounterStore, waitForReady } from '@rl/redis-store';
import { stackedRequest } from '../apps/enforcer/src/check/stacked-request';
import { EnforcerConfig } from '../apps/enforcer/src/config/enforcer-config';
import { compilePolicy, rateParameters } from '../apps/enforcer/src/policies/compiled-policy';
import { pinServer } from './support/pinning';
import { scriptCalls } from './support/redis-stats';
import { fmt, type Figure } from './support/report';
import { ensureWrk, runWrk } from './support/wrk';

const KEYS = 100_000;
const CALLERS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const base = { scope: 'regional', failureMode: 'open', mode: 'enforce', version: 1 } as const;
/** One limit: a token bucket of 100 per minute. */
const single: Policy = { ...base, id: 'single', match: { customerId: 'bench-single' }, algorithm: 'token_bucket', limit: 100, windowSeconds: 60, burst: 100 };
/** A plan of three: 100/s token bucket, 1,000/min sliding window, 1,000,000 per calendar month in Berlin. */
const plan: Policy = {
  ...base,
  id: 'plan',
  match: { customerId: 'bench-plan' },
  algorithm: 'token_bucket',
  limit: 100,
  windowSeconds: 1,
  burst: 100,
  limits: [
    { name: 'burst', limit: 100, windowSeconds: 1, algorithm: 'token_bucket', burst: 100 },
    { name: 'minute', limit: 1_000, windowSeconds: 60, algorithm: 'sliding_window', burst: 1_000 },
    { name: 'month', limit: 1_000_000, window: 'calendar-month', timeZone: 'Europe/Berlin', algorithm: 'fixed_window', burst: 1_000_000 },
  ],
};

/**
 * The hot-key shape: ONE key hammered by every connection, under limits high enough that nothing
 * is denied, so every decision is an admission served from a hot-key lease where one applies.
 * Single: a token bucket; plan: three leasable limits (token bucket, fixed window, calendar month),
 * which hot-key leases serve all at once (a sliding window, as in `plan`, is never leased).
 */
const HOT = 1_000_000_000;
const hotSingle: Policy = { ...base, id: 'hot-single', match: { customerId: 'bench-hot-single' }, algorithm: 'token_bucket', limit: HOT, windowSeconds: 60, burst: HOT };
const hotPlan: Policy = {
  ...base,
  id: 'hot-plan',
  match: { customerId: 'bench-hot-plan' },
  algorithm: 'token_bucket',
  limit: HOT,
  windowSeconds: 1,
  burst: HOT,
  limits: [
    { name: 'burst', limit: HOT, windowSeconds: 1, algorithm: 'token_bucket', burst: HOT },
    { name: 'minute', limit: HOT, windowSeconds: 60, algorithm: 'fixed_window', burst: HOT },
    { name: 'month', limit: HOT, window: 'calendar-month', timeZone: 'Europe/Berlin', algorithm: 'fixed_window', burst: HOT },
  ],
};

/** The two shapes measured: customers of the single-limit policy and of the plan, the keys wrk spreads over, and how figures name them. */
const SHAPES = [
  { label: '', customers: { single: 'bench-single', plan: 'bench-plan' }, keys: KEYS, planName: 'three-limit plan (burst + minute + calendar month)' },
  {
    label: 'hot key, ',
    customers: { single: 'bench-hot-single', plan: 'bench-hot-plan' },
    keys: 1,
    planName: 'three leasable limits (token bucket + fixed minute + calendar month)',
  },
] as const;

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** CPU time a process has used (user + system), µs, from /proc (clock ticks of 10 ms on Linux). */
function processCpuUs(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** CPU time Redis' main thread has used (user + system), µs, from INFO. */
async function redisCpuUs(admin: Redis): Promise<number> {
  const info = await admin.info('cpu');
  const read = (name: string): number => Number(new RegExp(`${name}_main_thread:([\\d.]+)`).exec(info)?.[1] ?? new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? NaN);
  return (read('used_cpu_user') + read('used_cpu_sys')) * 1e6;
}

/** Runs both contenders once per round, in turn; the ratio is the median of per-round ratios. */
async function alternate(contenders: { single: () => Promise<number>; plan: () => Promise<number> }): Promise<{ single: number; plan: number; ratio: number }> {
  const runs = { single: [] as number[], plan: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    runs.single.push(await contenders.single());
    runs.plan.push(await contenders.plan());
  }
  return { single: median(runs.single), plan: median(runs.plan), ratio: median(runs.plan.map((x, i) => x / runs.single[i])) };
}

/**
 * What stacked limits cost: decisions/s of a three-limit plan (one batch-script entry that reads
 * the three counters as a dry run, then writes all three) ÷ a single-limit policy, in the same run.
 *
 * 1. POST /v1/check through one enforcer started as `npm start` starts it (POLICY_FILE holding
 *    every policy, one per customer), wrk with 50 connections, in two shapes (SHAPES): over 100k
 *    keys (no key is hot: every check goes to Redis), and on one hot key (leases serve both).
 * 2. Redis CPU per decision (redisCost): what the three counters cost the store.
 */
export async function stackedLimits(figures: Figure[]): Promise<void> {
  const redis = await startRedisServer();
  try {
    ensureWrk();
    const dir = mkdtempSync(join(tmpdir(), 'rl-bench-stacked-'));
    const file = join(dir, 'policies.json');
    writeFileSync(file, JSON.stringify({ policies: [single, plan, hotSingle, hotPlan], overrides: [], customers: {} }));
    const svc: ServiceHandle = await startNodeService({ name: 'enforcer', entry: 'apps/enforcer/src/main.js', port: await freePort(), env: { REDIS_URL: redis.url, REGION: 'bench', POLICY_FILE: file, LOG_LEVEL: 'warn' } });
    pinServer(svc.process.child.pid);
    const admin = new Redis(redis.url);
    try {
      for (const shape of SHAPES) await httpShape({ shape, svc, admin, figures });
    } finally {
      admin.disconnect();
      await svc.stop();
    }
    await redisCost(redis.url, figures);
  } finally {
    await redis.stop();
  }
}

/** One shape of SHAPES through the enforcer: req/s and CPU per check, single-limit policy and plan, alternated. */
async function httpShape(input: { shape: (typeof SHAPES)[number]; svc: ServiceHandle; admin: Redis; figures: Figure[] }): Promise<void> {
  const { shape, svc, admin, figures } = input;
  const pid = svc.process.child.pid;
  const cpuPerRequest = { single: [] as number[], plan: [] as number[] };
  const callsPerRequest = { single: [] as number[], plan: [] as number[] };
  const measure = (name: 'single' | 'plan', seconds: number) => async (): Promise<number> => {
    // check.lua names BENCH_CUSTOMER in every request, over BENCH_KEYS keys; the other benchmarks send no customer.
    process.env.BENCH_CUSTOMER = shape.customers[name];
    process.env.BENCH_KEYS = String(shape.keys);
    const before = processCpuUs(pid) + (await redisCpuUs(admin));
    const callsBefore = await scriptCalls(admin);
    try {
      const rps = (await runWrk({ url: `${svc.url}/v1/check`, connections: CALLERS, seconds })).requestsPerSecond;
      cpuPerRequest[name].push((processCpuUs(pid) + (await redisCpuUs(admin)) - before) / (rps * seconds));
      callsPerRequest[name].push(((await scriptCalls(admin)) - callsBefore) / (rps * seconds));
      return rps;
    } finally {
      delete process.env.BENCH_CUSTOMER;
      delete process.env.BENCH_KEYS;
    }
  };
  await measure('single', 2)(); // warm-up
  await measure('plan', 2)();
  for (const list of [cpuPerRequest.single, cpuPerRequest.plan, callsPerRequest.single, callsPerRequest.plan]) list.length = 0;
  const http = await alternate({ single: measure('single', SECONDS / 2), plan: measure('plan', SECONDS / 2) });
  const capacity = median(cpuPerRequest.single.map((single, i) => single / cpuPerRequest.plan[i]));
  const section = 'stacked limits';
  const { label, planName } = shape;
  figures.push({ section, name: `POST /v1/check, ${label}single-limit policy`, value: http.single, unit: 'req/s' });
  figures.push({ section, name: `POST /v1/check, ${label}${planName}`, value: http.plan, unit: 'req/s' });
  figures.push({ section, name: `POST /v1/check, ${label}three-limit plan ÷ single limit`, value: http.ratio, unit: '×', target: '≥ 0.8×', met: http.ratio >= 0.8 });
  figures.push({ section, name: `enforcer + Redis CPU per check, ${label}single-limit policy`, value: median(cpuPerRequest.single), unit: 'µs' });
  figures.push({ section, name: `enforcer + Redis CPU per check, ${label}three-limit plan`, value: median(cpuPerRequest.plan), unit: 'µs' });
  figures.push({
    section,
    name: `checks per CPU-second, ${label}three-limit plan ÷ single limit`,
    value: capacity,
    unit: '×',
    target: '≥ 0.8×',
    met: capacity >= 0.8,
    note: '(req/s on this shared 2-core machine moves with its load; CPU per check does not)',
  });
  // Batches, leases and (single-limit token buckets) the settle record of each admission all show here.
  const calls = `Redis script calls per check, ${label}single-limit policy / three-limit plan`;
  figures.push({ section, name: calls, value: median(callsPerRequest.single), unit: `/ ${fmt(median(callsPerRequest.plan), 3)}` });
}

/**
 * Redis CPU per decision (its main thread's user + system time, from INFO), single-limit policy and
 * plan, in batches of 50 sent one after another by RedisCounterStore: what the three counters cost
 * the store, free of the load generator's noise.
 */
async function redisCost(redisUrl: string, figures: Figure[]): Promise<void> {
  const config = EnforcerConfig.fromEnv({ REDIS_URL: redisUrl, LOG_LEVEL: 'silent' });
  const singlePolicy = compilePolicy({ parameters: rateParameters(single), localPercent: config.localLimitPercent });
  const planPolicy = compilePolicy({ parameters: rateParameters(plan), localPercent: config.localLimitPercent });
  const stack = planPolicy.stack;
  if (stack === undefined) throw new Error('the plan did not compile to a stack');
  const client = createRedisClient({ url: redisUrl }, { commandTimeoutMs: 5_000 });
  const admin = new Redis(redisUrl);
  const store = new RedisCounterStore({ client });
  const identity = (i: number): string => `cost:${(i * 7_919) % KEYS}`;
  const requests = {
    single: (i: number): StoreRequest => ({
      key: buildCounterKey({ policyId: singlePolicy.counterId, identity: identity(i), algorithm: singlePolicy.algorithm }),
      algorithm: singlePolicy.algorithm,
      limit: singlePolicy.quota.limit,
      windowUs: singlePolicy.windowUs,
      burst: singlePolicy.quota.burst,
      cost: 1,
    }),
    plan: (i: number): StoreRequest => stackedRequest({ policy: planPolicy, stack, identity: identity(i), cost: 1, dryRun: undefined, nowUs: Date.now() * 1000 }),
  };
  const perDecision = (make: (i: number) => StoreRequest) => async (): Promise<number> => {
    const before = await redisCpuUs(admin);
    let failed = 0;
    for (let batch = 0; batch < 400; batch++) {
      const outcomes = await store.decideMany(Array.from({ length: 50 }, (_, j) => make(batch * 50 + j)));
      failed += outcomes.filter((o) => o instanceof Error).length;
    }
    if (failed > 0) throw new Error(`${failed} decisions failed`);
    return ((await redisCpuUs(admin)) - before) / 20_000;
  };
  try {
    await waitForReady(client, 10_000);
    await store.load();
    const cost = await alternate({ single: perDecision(requests.single), plan: perDecision(requests.plan) });
    figures.push({ section: 'stacked limits', name: 'Redis CPU per decision, single-limit policy (batches of 50)', value: cost.single, unit: 'µs' });
    figures.push({ section: 'stacked limits', name: 'Redis CPU per decision, three-limit plan', value: cost.plan, unit: 'µs' });
    figures.push({ section: 'stacked limits', name: 'Redis CPU: three-limit plan ÷ single limit', value: cost.ratio, unit: '×' });
  } finally {
    client.disconnect();
    admin.disconnect();
  }
}
