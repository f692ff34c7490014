import { Redis } from 'ioredis';
import { ALGORITHMS, buildCounterKey, type AlgorithmName, type LimitRequest, type RawDecision } from '@rl/limiter-core';
import { startRedisCluster, startRedisServer, type RedisServerHandle } from '@rl/testing';
import { createRedisClient, waitForReady } from './connection';
import { StoreTimeoutError, StoreUnavailableError } from './errors';
import { RedisCounterStore } from './redis-counter-store';
import { ScriptRegistry, type RedisClient } from './script-registry';

/** The store as the enforcer uses it, with `now` from Redis TIME, on one Redis and on a 3-master cluster. */

const JITTER_MS = 250;
const SECOND = 1_000_000;
const DAYS_30 = 30 * 24 * 3600 * SECOND;

interface Topology {
  readonly client: RedisClient;
  /** A plain connection to every master, for inspection and for SCRIPT FLUSH. */
  readonly masters: readonly Redis[];
  stop(): Promise<void>;
}

async function connect(target: { url: string } | { clusterNodes: string[] }, ports: number[], stopServers: () => Promise<void>): Promise<Topology> {
  const client = createRedisClient(target, { commandTimeoutMs: 5_000 });
  const masters = ports.map((port) => new Redis(port, '127.0.0.1'));
  await waitForReady(client, 20_000);
  return {
    client,
    masters,
    async stop() {
      client.disconnect();
      for (const master of masters) master.disconnect();
      await stopServers();
    },
  };
}

const topologies: [string, () => Promise<Topology>][] = [
  [
    'standalone',
    async () => {
      const server = await startRedisServer();
      return connect({ url: server.url }, [server.port], () => server.stop());
    },
  ],
  [
    'cluster (3 masters)',
    async () => {
      const cluster = await startRedisCluster({ masters: 3 });
      const ports = cluster.servers.map((s) => s.port);
      return connect({ clusterNodes: [...cluster.nodes] }, ports, () => cluster.stop());
    },
  ],
];

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let identities = 0;
function request(algorithm: AlgorithmName, limits: { limit: number; windowUs: number; burst?: number; cost?: number }, identity?: string): LimitRequest {
  return {
    key: buildCounterKey({ policyId: 'store-it', identity: identity ?? `user-${identities++}`, algorithm }),
    algorithm,
    limit: limits.limit,
    windowUs: limits.windowUs,
    burst: limits.burst ?? limits.limit,
    cost: limits.cost ?? 1,
  };
}

async function allKeys(masters: readonly Redis[]): Promise<string[]> {
  return (await Promise.all(masters.map((m) => m.keys('*')))).flat();
}

describe.each(topologies)('RedisCounterStore on %s', (_name, start) => {
  let topology: Topology;
  let store: RedisCounterStore;

  beforeAll(async () => {
    topology = await start();
    store = new RedisCounterStore({ client: topology.client, jitterMs: () => JITTER_MS });
  });

  afterAll(async () => {
    await topology?.stop();
  });

  it('load() puts every script into every master', async () => {
    await Promise.all(topology.masters.map((m) => m.script('FLUSH')));
    await store.load();
    const shas = new ScriptRegistry().all().map((s) => s.sha);
    for (const master of topology.masters) {
      expect(await master.script('EXISTS', ...shas)).toEqual(shas.map(() => 1));
    }
  });

  it('sets a TTL on every key it writes: the time to full quota plus the jitter', async () => {
    const started = Date.now();
    for (const algorithm of ALGORITHMS) {
      const req = request(algorithm, { limit: 10, windowUs: 10 * SECOND });
      const decision = await store.decide(req);
      expect(decision.allowed).toBe(true);
      const expectedMs = Math.ceil(decision.resetUs / 1000) + JITTER_MS;
      const written = algorithm === 'sliding_log' ? [req.key, `${req.key}:seq`] : [req.key];
      for (const key of written) {
        const ttl = await topology.client.pttl(key);
        expect(ttl).toBeLessThanOrEqual(expectedMs);
        expect(ttl).toBeGreaterThan(expectedMs - (Date.now() - started) - 50);
      }
    }
  });

  it('stores a bucket in 12 bytes while its key lives under ~16 minutes, and in 16 beyond', async () => {
    const short = request('token_bucket', { limit: 100, windowUs: 60 * SECOND });
    const long = request('token_bucket', { limit: 100, windowUs: DAYS_30 });
    await store.decide(short);
    await store.decide(long);
    expect(await topology.client.strlen(short.key)).toBe(12);
    expect(await topology.client.strlen(long.key)).toBe(16);
  });

  it.each(ALGORITHMS.map((a) => [a] as const))('%s: waiting retryAfter admits the same request', async (algorithm) => {
    const req = request(algorithm, { limit: 3, windowUs: 300_000 });
    let denied: RawDecision | undefined;
    for (let i = 0; i < 10 && denied === undefined; i++) {
      const decision = await store.decide(req);
      if (!decision.allowed) denied = decision;
    }
    expect(denied?.retryAfterUs).toBeGreaterThan(0);
    // Timers may fire up to a millisecond early against the wall clock Redis TIME reads.
    await sleep(Math.ceil((denied?.retryAfterUs ?? 0) / 1000) + 2);
    expect((await store.decide(req)).allowed).toBe(true);
  });

  it.each(ALGORITHMS.map((a) => [a] as const))('%s: 1,000 concurrent decisions on one key with limit 100 admit exactly 100', async (algorithm) => {
    const req = request(algorithm, { limit: 100, windowUs: DAYS_30 });
    const decisions = await Promise.all(Array.from({ length: 1_000 }, () => store.decide(req)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(100);
  });

  it('SCRIPT FLUSH in the middle of traffic fails no decision (EVAL fallback on NOSCRIPT)', async () => {
    await Promise.all(topology.masters.map((m) => m.config('RESETSTAT')));
    const failures: unknown[] = [];
    let decided = 0;
    for (let wave = 0; wave < 12; wave++) {
      const inFlight = Array.from({ length: 100 }, (_, i) =>
        store.decide(request(ALGORITHMS[i % ALGORITHMS.length], { limit: 50, windowUs: SECOND }, `flush-${i % 17}`)).then(
          () => decided++,
          (error: unknown) => failures.push(error),
        ),
      );
      if (wave % 3 === 1) await Promise.all(topology.masters.map((m) => m.script('FLUSH')));
      await Promise.all(inFlight);
    }
    expect(failures).toEqual([]);
    expect(decided).toBe(1_200);
    const evalCalls = await Promise.all(topology.masters.map(async (m) => Number(/cmdstat_eval:calls=(\d+)/.exec(await m.info('commandstats'))?.[1] ?? 0)));
    expect(evalCalls.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('hashes a long or odd identity into a bounded key inside the hash tag', async () => {
    const identity = `{evil}} ${'x'.repeat(500)}\n\u00fcn\u00efc\u00f6de`;
    const req = request('sliding_log', { limit: 5, windowUs: SECOND }, identity);
    expect(req.key).toMatch(/^rl:\{store-it:#[A-Za-z0-9_-]{22}\}:sl$/);
    expect((await store.decide(req)).allowed).toBe(true);
    expect(await topology.client.exists(req.key, `${req.key}:seq`)).toBe(2);
    const keys = await allKeys(topology.masters);
    expect(keys.filter((k) => k.includes('evil') || k.includes('xxxx'))).toEqual([]);
  });

  it('has left no key without a TTL', async () => {
    const keys = await allKeys(topology.masters);
    expect(keys.length).toBeGreaterThan(0);
    const ttls = await Promise.all(keys.map(async (key) => ({ key, ttl: await topology.client.pttl(key) })));
    // PTTL -1: the key exists without a TTL. (-2: it expired between the scan and PTTL, as it should.)
    expect(ttls.filter(({ ttl }) => ttl === -1)).toEqual([]);
  });

  it('short-circuits a cost that can never pass, without touching Redis', async () => {
    const req = request('token_bucket', { limit: 5, windowUs: SECOND, burst: 5, cost: 6 });
    expect(await store.decide(req)).toEqual({ allowed: false, remaining: 0, resetUs: 0, retryAfterUs: 0, reason: 'cost_exceeds_limit' });
    expect(await topology.client.exists(req.key)).toBe(0);
  });
});

describe('RedisCounterStore failures', () => {
  let server: RedisServerHandle;

  beforeAll(async () => {
    server = await startRedisServer();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('a reply later than the command timeout is a StoreTimeoutError, and the script is not sent again', async () => {
    const client = createRedisClient({ url: server.url }, { commandTimeoutMs: 100 });
    const admin = new Redis(server.port, '127.0.0.1');
    try {
      await waitForReady(client, 10_000);
      const store = new RedisCounterStore({ client, jitterMs: () => 0 });
      const req = request('token_bucket', { limit: 10, windowUs: DAYS_30 });
      expect((await store.decide(req)).remaining).toBe(9);
      await admin.client('PAUSE', 400, 'ALL');
      await expect(store.decide(req)).rejects.toBeInstanceOf(StoreTimeoutError);
      await sleep(500);
      // The timed-out script ran once after the pause: one unit, not two.
      expect((await store.decide(req)).remaining).toBe(7);
    } finally {
      client.disconnect();
      admin.disconnect();
    }
  });

  it('a server that is down is a StoreUnavailableError, at once', async () => {
    const doomed = await startRedisServer();
    const client = createRedisClient({ url: doomed.url }, { commandTimeoutMs: 1_000, reconnectCapMs: 200 });
    try {
      await waitForReady(client, 10_000);
      const store = new RedisCounterStore({ client });
      await doomed.stop();
      const started = Date.now();
      await expect(store.decide(request('gcra', { limit: 10, windowUs: SECOND }))).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(500);
    } finally {
      client.disconnect();
      await doomed.stop();
    }
  });

  it('keeps a token-bucket key within 150 bytes of Redis memory', async () => {
    const client = createRedisClient({ url: server.url }, { commandTimeoutMs: 10_000 });
    try {
      await waitForReady(client, 10_000);
      await client.flushall();
      const store = new RedisCounterStore({ client });
      const used = async (): Promise<number> => Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1]);
      const before = await used();
      // A day-long window keeps every key alive while they are counted (a 60 s one would expire
      // them in about a second). 60,000 keys fill Redis' 65,536-slot key tables about as densely
      // as 1M keys fill theirs (2^20 slots), so the per-key figure carries over.
      const keys = 60_000;
      let next = 0;
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (next < keys) {
            const identity = `user:${next++}`;
            const key = buildCounterKey({ policyId: 'bench', identity, algorithm: 'token_bucket' });
            await store.decide({ key, algorithm: 'token_bucket', limit: 100, windowUs: 24 * 3600 * SECOND, burst: 100, cost: 1 });
          }
        }),
      );
      expect(await client.dbsize()).toBe(keys);
      const perKey = ((await used()) - before) / keys;
      process.stdout.write(`token-bucket key: ${perKey.toFixed(1)} bytes of Redis memory\n`);
      expect(perKey).toBeLessThanOrEqual(150);
    } finally {
      client.disconnect();
    }
  });
});
