/**
 * The decision pipeline under load (issue 12): exact counting under bursts, no degraded or shed
 * answers under saturation with Redis healthy, a Redis that stops answering (SIGSTOP), and what
 * batching saves Redis per decision. Every figure is taken against a baseline of the same run, or
 * is a count that must hold whatever the machine.
 */
import { Agent, request } from 'node:http';
import Redis from 'ioredis';
import { buildCounterKey, type LimitRequest, type StoreRequest } from '@rl/limiter-core';
import { createRedisClient, RedisCounterStore } from '@rl/redis-store';
import { freePort, startNodeService, startRedisServer, type RedisServerHandle, type ServiceHandle } from '@rl/devstack';
import { openLoop } from './support/open-loop';
import { pinServer } from './support/pinning';
import { fmt, type Figure } from './support/report';
import { ensureWrk, runWrk } from './support/wrk';

/** The command deadline `npm start` gives enforcers (REDIS_COMMAND_TIMEOUT_MS): every service here runs with it. */
const DEADLINE_MS = 50;

interface LogLine {
  readonly time?: string;
  readonly msg?: string;
  readonly breaker?: string;
}

async function redisServer(): Promise<RedisServerHandle> {
  const redis = await startRedisServer();
  pinServer(redis.process.child.pid);
  return redis;
}

async function enforcer(name: string, redis: RedisServerHandle, options: { env?: Record<string, string>; onLog?: (line: LogLine) => void } = {}): Promise<ServiceHandle> {
  const svc = await startNodeService({
    name,
    entry: 'apps/enforcer/src/main.js',
    port: await freePort(),
    env: { LOG_LEVEL: options.onLog === undefined ? 'warn' : 'info', REDIS_URL: redis.url, REGION: 'bench', ...options.env },
    onLine:
      options.onLog &&
      ((line) => {
        try {
          options.onLog?.(JSON.parse(line) as LogLine);
        } catch {
          // not a log line (a stack trace's continuation, a warning from Node): nothing to time
        }
      }),
  });
  pinServer(svc.process.child.pid);
  return svc;
}

/** Sums of rl_decisions_total by result, rl_overloaded_total, and the rl_check_duration_seconds buckets. */
async function scrape(url: string): Promise<{ results: Map<string, number>; overloaded: number; buckets: Map<number, number> }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const results = new Map<string, number>();
  const buckets = new Map<number, number>();
  let overloaded = 0;
  for (const line of text.split('\n')) {
    const decision = /^rl_decisions_total\{[^}]*result="([a-z_]+)"[^}]*\} (\d+)/.exec(line);
    if (decision) results.set(decision[1], (results.get(decision[1]) ?? 0) + Number(decision[2]));
    const bucket = /^rl_check_duration_seconds_bucket\{[^}]*le="([^"]+)"[^}]*\} (\d+)/.exec(line);
    if (bucket) buckets.set(bucket[1] === '+Inf' ? Infinity : Number(bucket[1]), Number(bucket[2]));
    const shed = /^rl_overloaded_total(?:\{[^}]*\})? (\d+)/.exec(line);
    if (shed) overloaded = Number(shed[1]);
  }
  return { results, overloaded, buckets };
}

const degradedOf = (m: Map<string, number>): number => [...m].filter(([r]) => r.startsWith('degraded')).reduce((a, [, n]) => a + n, 0);
const decisionsOf = (m: Map<string, number>): number => [...m].reduce((a, [, n]) => a + n, 0);

/** The smallest histogram bound under which 99% of the decisions between two scrapes fell, ms. */
function p99FromBuckets(before: Map<number, number>, after: Map<number, number>): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  for (const bound of bounds) {
    if ((after.get(bound) ?? 0) - (before.get(bound) ?? 0) >= 0.99 * total) return bound * 1000;
  }
  return Infinity;
}

interface BurstReply {
  readonly status: number;
  readonly degraded: boolean;
  readonly overloaded: boolean;
}

/** `n` POST /v1/check sent at once (round-robin over `urls`), each on its own connection slot. */
async function burst(urls: readonly string[], n: number, body: string): Promise<BurstReply[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: n });
  try {
    return await Promise.all(
      Array.from(
        { length: n },
        (_, i) =>
          new Promise<BurstReply>((resolve) => {
            const target = new URL(`${urls[i % urls.length]}/v1/check`);
            const req = request(
              { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
              (res) => {
                let text = '';
                res.setEncoding('utf8');
                res.on('data', (chunk: string) => (text += chunk));
                res.on('end', () => {
                  const parsed = JSON.parse(text) as { degraded?: boolean; overloaded?: boolean };
                  resolve({ status: res.statusCode ?? 0, degraded: parsed.degraded === true, overloaded: parsed.overloaded === true });
                });
              },
            );
            req.on('error', () => resolve({ status: 0, degraded: false, overloaded: false }));
            req.end(body);
          }),
      ),
    );
  } finally {
    agent.destroy();
  }
}

/** 1,000 concurrent checks for one key, limit 100 per hour, run after run: exactly 100 admitted, none degraded or shed. */
export async function exactUnderBursts(figures: Figure[]): Promise<void> {
  const runs = Number(process.env.BENCH_EXACT_RUNS ?? 20);
  const redis = await redisServer();
  const pair = [await enforcer('enforcer a', redis), await enforcer('enforcer b', redis)];
  try {
    for (const instances of [1, 2]) {
      const urls = pair.slice(0, instances).map((svc) => svc.url);
      let exact = 0;
      const admittedSeen: number[] = [];
      let degraded = 0;
      let overloaded = 0;
      for (let run = 0; run < runs; run++) {
        const body = JSON.stringify({ key: `burst:${instances}:${run}:${Date.now()}`, limit: 100, windowSeconds: 3_600 });
        const replies = await burst(urls, 1_000, body);
        const admitted = replies.filter((r) => r.status === 200).length;
        const runDegraded = replies.filter((r) => r.degraded).length;
        const runOverloaded = replies.filter((r) => r.overloaded).length;
        admittedSeen.push(admitted);
        degraded += runDegraded;
        overloaded += runOverloaded;
        if (admitted === 100 && runDegraded === 0 && runOverloaded === 0 && replies.every((r) => r.status === 200 || r.status === 429)) exact++;
      }
      const section = '1,000 concurrent checks, one key, limit 100 per hour';
      const who = instances === 1 ? 'one enforcer' : 'two enforcers sharing one Redis';
      figures.push({
        section,
        name: `runs admitting exactly 100, none degraded or shed (${who})`,
        value: exact,
        unit: `of ${runs} (admitted ${Math.min(...admittedSeen)}–${Math.max(...admittedSeen)}; degraded ${degraded}, shed ${overloaded})`,
        target: `${runs} of ${runs}`,
        met: exact === runs,
      });
    }
  } finally {
    await Promise.all(pair.map((svc) => svc.stop()));
    await redis.stop();
  }
}

/** wrk at full speed for BENCH_SATURATION_SECONDS (60) over 100k keys, Redis healthy: nothing degraded, nothing shed. */
export async function saturation(figures: Figure[]): Promise<void> {
  ensureWrk();
  const seconds = Number(process.env.BENCH_SATURATION_SECONDS ?? 60);
  const redis = await redisServer();
  const svc = await enforcer('enforcer (saturated)', redis);
  try {
    await runWrk({ url: `${svc.url}/v1/check`, connections: 64, seconds: 2 }); // warm-up
    const before = await scrape(svc.url);
    const run = await runWrk({ url: `${svc.url}/v1/check`, connections: 64, seconds });
    const after = await scrape(svc.url);
    const decisions = decisionsOf(after.results) - decisionsOf(before.results);
    const degraded = degradedOf(after.results) - degradedOf(before.results);
    const shed = after.overloaded - before.overloaded;
    const section = `saturation: wrk, 64 connections, ${seconds} s, Redis healthy`;
    figures.push({ section, name: 'decisions', value: decisions, unit: `(${fmt(run.requestsPerSecond)} req/s)` });
    figures.push({ section, name: 'decisions answered degraded, or shed as overloaded', value: degraded + shed, unit: `(degraded ${degraded}, shed ${shed})`, target: '0', met: degraded + shed === 0 });
  } finally {
    await svc.stop();
    await redis.stop();
  }
}

/**
 * Redis paused (SIGSTOP) for 3 s under 2,000 req/s open loop: how soon the breaker opens (from the
 * enforcer's own log line, against the moment of the signal), the decision p99 while Redis is
 * stopped (the enforcer's histogram), and how soon after SIGCONT the breaker closes.
 */
export async function redisStopped(figures: Figure[]): Promise<void> {
  const redis = await redisServer();
  const transitions: { at: number; state: string }[] = [];
  const svc = await enforcer('enforcer (redis stopped)', redis, {
    onLog: (line) => {
      if (line.msg === 'counter store circuit breaker changed state' && line.breaker !== undefined && line.time !== undefined) transitions.push({ at: Date.parse(line.time), state: line.breaker });
    },
  });
  const body = (i: number): string => `{"key":"user:${(i * 7_919) % 100_000}"}`;
  const url = `${svc.url}/v1/check`;
  try {
    await openLoop({ url, rate: 2_000, seconds: 2, body }); // warm-up
    const load = openLoop({ url, rate: 2_000, seconds: 7, body });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const before = await scrape(svc.url);
    const stoppedAt = Date.now();
    redis.process.child.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const during = await scrape(svc.url);
    const resumedAt = Date.now();
    redis.process.child.kill('SIGCONT');
    const result = await load;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const opened = transitions.find((t) => t.state === 'open' && t.at >= stoppedAt);
    const closed = transitions.find((t) => t.state === 'closed' && t.at >= resumedAt);
    const openMs = opened === undefined ? Infinity : opened.at - stoppedAt;
    const recoveryMs = closed === undefined ? Infinity : closed.at - resumedAt;
    const p99 = p99FromBuckets(before.buckets, during.buckets);
    const section = `Redis stopped (SIGSTOP) for 3 s under 2,000 req/s, deadline ${DEADLINE_MS} ms`;
    figures.push({ section, name: 'breaker open after the signal (enforcer log, ms clock)', value: openMs, unit: 'ms', target: `≤ ${2 * DEADLINE_MS} ms`, met: openMs <= 2 * DEADLINE_MS });
    figures.push({ section, name: 'decision p99 while stopped (histogram bound)', value: p99, unit: 'ms', target: '≤ 5 ms', met: p99 <= 5 });
    figures.push({ section, name: 'breaker closed after SIGCONT', value: recoveryMs, unit: 'ms', target: '≤ 2,000 ms', met: recoveryMs <= 2_000 });
    figures.push({ section, name: '5xx and failed requests (failureMode open)', value: result.serverErrors + result.errors, unit: '', target: '0', met: result.serverErrors + result.errors === 0 });
  } finally {
    await svc.stop();
    await redis.stop();
  }
}

/**
 * What batching saves Redis: microseconds of Redis per decision (INFO commandstats, and the main
 * thread's CPU from INFO cpu) with one script call per decision, against batches of 50, over the
 * same mix of random keys.
 */
export async function redisCostPerDecision(figures: Figure[]): Promise<void> {
  const redis = await redisServer();
  const client = createRedisClient({ url: redis.url }, { commandTimeoutMs: 5_000 });
  const admin = new Redis(redis.url);
  try {
    const store = new RedisCounterStore({ client });
    await store.load();
    const request = (i: number): LimitRequest => ({
      key: buildCounterKey({ policyId: 'bench', identity: `user:${(i * 7_919) % 100_000}`, algorithm: 'token_bucket' }),
      algorithm: 'token_bucket',
      limit: 100,
      windowUs: 60_000_000,
      burst: 100,
      cost: 1,
    });
    const N = 50_000;
    const measure = async (work: () => Promise<void>): Promise<{ usec: number; cpu: number }> => {
      await admin.config('RESETSTAT');
      const cpuBefore = await mainThreadCpuUs(admin);
      await work();
      const cpu = (await mainThreadCpuUs(admin)) - cpuBefore;
      const stats = await admin.info('commandstats');
      const usec = [...stats.matchAll(/cmdstat_(?:evalsha|eval):calls=\d+,usec=(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
      return { usec: usec / N, cpu: cpu / N };
    };
    const single = await measure(async () => {
      let next = 0;
      await Promise.all(Array.from({ length: 50 }, async () => {
        while (next < N) await store.decide(request(next++));
      }));
    });
    const batched = await measure(async () => {
      for (let i = 0; i < N; i += 50) await store.decideMany(Array.from({ length: 50 }, (_, j): StoreRequest => request(i + j)));
    });
    const section = 'Redis per decision (token bucket, 100k keys)';
    figures.push({ section, name: 'one script call per decision: commandstats usec / CPU usec', value: single.usec, unit: `µs / ${fmt(single.cpu)} µs` });
    figures.push({ section, name: 'batches of 50: commandstats usec / CPU usec', value: batched.usec, unit: `µs / ${fmt(batched.cpu)} µs` });
    figures.push({ section, name: 'batched ÷ one call per decision (commandstats)', value: batched.usec / single.usec, unit: `× (CPU ${fmt(batched.cpu / single.cpu)} ×)` });
  } finally {
    client.disconnect();
    admin.disconnect();
    await redis.stop();
  }
}

async function mainThreadCpuUs(admin: Redis): Promise<number> {
  const info = await admin.info('cpu');
  const main = (name: string): number => Number(new RegExp(`${name}_main_thread:([\\d.]+)`).exec(info)?.[1] ?? new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? NaN);
  return (main('used_cpu_user') + main('used_cpu_sys')) * 1e6;
}

