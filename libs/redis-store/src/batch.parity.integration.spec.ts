import fc from 'fast-check';
import { Redis } from 'ioredis';
import {
  ALGORITHMS,
  buildCounterKey,
  buildGlobalCounterKey,
  buildStackKeys,
  maxCost,
  stackedMaxCost,
  unadmissible,
  unadmissibleStacked,
  windowStart,
  type AlgorithmName,
  type StackedLimit,
  type StoreRequest,
} from '@rl/limiter-core';
import { argvClockPrelude, startRedisCluster, startRedisServer, StoreTwin } from '@rl/testing';
import { batchJitterMs, requestKeys } from './batch-codec';
import { createRedisClient, waitForReady } from './connection';
import { RedisCounterStore, type RedisCounterStoreOptions } from './redis-counter-store';
import { ScriptRegistry, type RedisClient } from './script-registry';

/**
 * The batch script decides exactly like the TypeScript twins: fast-check sequences of batches
 * mixing keys, all six algorithms, global_window and stacks of limits (calendar windows included,
 * whose bounds may lie behind `now`; all or nothing, so a partial admit takes nothing), costs (0, up to the capacity, and above it),
 * dry runs, limit changes and duplicate keys go through RedisCounterStore.decideMany with the argv
 * clock (one `now` per batch), and every entry must equal what StoreTwin decides by replaying the
 * batch in order at that `now`. On one redis-server (one call per batch, and chunks of 4), and on
 * a 3-master Redis Cluster in both modes (one cross-slot call per node; one call per slot).
 */

/** Keeps Redis from expiring anything on its own wall clock while a sequence runs (the twin's manual clock decides). */
const JITTER_BASE_MS = 5_000;
const JITTER_SPAN_MS = 1_000_000_000;
const T0 = 1_700_000_040_123_456;

interface Topology {
  readonly client: RedisClient;
  readonly masters: readonly Redis[];
  /** One call per batch, so every decision's TTL jitter is known. */
  readonly oneCallPerBatch: boolean;
  readonly options: Partial<RedisCounterStoreOptions>;
  stop(): Promise<void>;
}

let now = T0;
const registry = new ScriptRegistry({ clockPrelude: argvClockPrelude(), clockArgs: () => [now] });

async function topology(kind: 'standalone' | 'standalone, chunks of 4' | 'cluster, per node' | 'cluster, per slot'): Promise<Topology> {
  if (kind.startsWith('standalone')) {
    const server = await startRedisServer();
    const client = createRedisClient({ url: server.url }, { commandTimeoutMs: 5_000 });
    await waitForReady(client, 10_000);
    const chunked = kind === 'standalone, chunks of 4';
    const admin = new Redis(server.port, '127.0.0.1');
    return {
      client,
      masters: [admin],
      oneCallPerBatch: !chunked,
      options: chunked ? { maxBatchSize: 4 } : {},
      async stop() {
        client.disconnect();
        admin.disconnect();
        await server.stop();
      },
    };
  }
  const cluster = await startRedisCluster({ masters: 3 });
  const client = createRedisClient({ clusterNodes: [...cluster.nodes] }, { commandTimeoutMs: 5_000 });
  await waitForReady(client, 20_000);
  const masters = cluster.servers.map((s) => new Redis(s.port, '127.0.0.1'));
  return {
    client,
    masters,
    oneCallPerBatch: false,
    options: { clusterCalls: kind === 'cluster, per node' ? 'per-node' : 'per-slot' },
    async stop() {
      client.disconnect();
      for (const master of masters) master.disconnect();
      await cluster.stop();
    },
  };
}

type CounterKind = AlgorithmName | 'global_window' | 'stacked';
const KINDS: readonly CounterKind[] = [...ALGORITHMS, 'global_window', 'stacked', 'stacked'];
const WINDOWS_US = [1_000, 50_000, 1_000_000, 60_000_000];

/** A counter a sequence may hit repeatedly: its kind, key and the parameter sets it moves between. */
interface Counter {
  readonly kind: CounterKind;
  readonly identity: string;
  readonly windowUs: number;
  readonly limits: readonly { readonly limit: number; readonly burst: number }[];
  /**
   * A stack's limits: part i takes limits[(limitIndex + i) % limits.length]; a calendar part has
   * explicit bounds; a global part is a region's cap (its limit) in its aligned window or its
   * calendar bounds, expected in the window `windowShift` says.
   */
  readonly parts: readonly { readonly algorithm: AlgorithmName; readonly windowUs: number; readonly calendar: boolean; readonly global: boolean }[];
}

interface Ask {
  readonly counter: number;
  readonly limitIndex: number;
  readonly costShare: number;
  readonly overCapacity: boolean;
  readonly dryRun: boolean;
  readonly windowShift: number;
}

interface Batch {
  readonly advanceUs: number;
  readonly asks: readonly Ask[];
}

const counterArb: fc.Arbitrary<Counter> = fc.record({
  kind: fc.constantFrom(...KINDS),
  identity: fc.stringMatching(/^[a-z0-9]{1,8}$/),
  windowUs: fc.constantFrom(...WINDOWS_US),
  limits: fc.array(
    fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 1_000_000_000 })).chain((limit) =>
      fc.record({ limit: fc.constant(limit), burst: fc.integer({ min: 1, max: 3 * limit }) }),
    ),
    { minLength: 1, maxLength: 3 },
  ),
  parts: fc.array(fc.record({ algorithm: fc.constantFrom(...ALGORITHMS), windowUs: fc.constantFrom(...WINDOWS_US), calendar: fc.boolean(), global: fc.constantFrom(false, false, true) }), { minLength: 1, maxLength: 4 }),
});

const askArb = (counters: number): fc.Arbitrary<Ask> =>
  fc.record({
    counter: fc.integer({ min: 0, max: counters - 1 }),
    limitIndex: fc.nat(),
    costShare: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })),
    overCapacity: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    dryRun: fc.oneof(fc.constant(false), fc.constant(false), fc.constant(true)),
    windowShift: fc.constantFrom(0, 0, 0, 0, 0, -1, 1),
  });

const scenarioOf = (counters: fc.Arbitrary<Counter[]>, advanceUs: fc.Arbitrary<number>) =>
  counters.chain((list) =>
    fc.record({
      counters: fc.constant(list),
      startOffsetUs: fc.integer({ min: 0, max: 60_000_000 }),
      batches: fc.array(fc.record({ advanceUs, asks: fc.array(askArb(list.length), { minLength: 1, maxLength: 24 }) }), { minLength: 1, maxLength: 6 }),
    }),
  );

const scenarioArb = scenarioOf(
  fc.array(counterArb, { minLength: 1, maxLength: 8 }),
  fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 90_000_000 }), fc.integer({ min: -5, max: -1 })),
);

/** Few stacks of small limits asked often, with little time passing: denials by some limits while others admit. */
const stackScenarioArb = scenarioOf(
  fc.array(
    fc.record({
      kind: fc.constant<CounterKind>('stacked'),
      identity: fc.stringMatching(/^[a-z0-9]{1,4}$/),
      windowUs: fc.constant(60_000_000),
      limits: fc.array(fc.integer({ min: 1, max: 12 }).chain((limit) => fc.record({ limit: fc.constant(limit), burst: fc.integer({ min: 1, max: 2 * limit }) })), { minLength: 2, maxLength: 3 }),
      parts: fc.array(fc.record({ algorithm: fc.constantFrom(...ALGORITHMS), windowUs: fc.constantFrom(1_000_000, 60_000_000), calendar: fc.boolean(), global: fc.constantFrom(false, false, true) }), { minLength: 2, maxLength: 4 }),
    }),
    { minLength: 1, maxLength: 2 },
  ),
  fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 400_000 })),
);

let run = 0;

/** The Redis keys of the counter `key` (sliding_log has two). */
function redisKeysOf(requests: Map<string, StoreRequest | StackedLimit>, key: string): readonly string[] {
  const request = requests.get(key);
  if (request === undefined) throw new Error(`no request seen for ${key}`);
  return 'cost' in request ? requestKeys(request) : requestKeys({ ...request, cost: 0 });
}

/**
 * A stack an ask makes of its counter at `at`: calendar parts get bounds around the aligned
 * window shifted by `windowShift` (so `now` may lie past the end, or past the next window), the
 * next window three times as long.
 */
function stackOf(counter: Counter, ask: Ask, prefix: string, at: number): StoreRequest {
  const keys = buildStackKeys({ policyId: prefix, identity: counter.identity, limits: counter.parts.map((part, i) => ({ name: `l${i}`, ...part })) });
  const limits: StackedLimit[] = counter.parts.map((part, i) => {
    const { limit, burst } = counter.limits[(ask.limitIndex + i) % counter.limits.length];
    const startUs = windowStart(at, part.windowUs) + ask.windowShift * part.windowUs;
    const calendar = part.calendar ? { startUs, endUs: startUs + part.windowUs, nextEndUs: startUs + 4 * part.windowUs } : undefined;
    if (part.global) return { key: keys.limits[i], algorithm: 'fixed_window', limit, windowUs: part.windowUs, burst: limit, calendar, global: { expectedStartMs: startUs / 1000 } };
    if (calendar === undefined) return { key: keys.limits[i], algorithm: part.algorithm, limit, windowUs: part.windowUs, burst };
    return { key: keys.limits[i], algorithm: 'fixed_window', limit, windowUs: part.windowUs, burst, calendar };
  });
  const capacity = stackedMaxCost(limits);
  const cost = ask.overCapacity ? capacity + 1 : Math.round(ask.costShare * capacity);
  return { algorithm: 'stacked', key: keys.stack, limits, cost, dryRun: ask.dryRun };
}

/** The StoreRequest an ask makes of its counter at `at` (µs). */
function requestOf(counter: Counter, ask: Ask, prefix: string, at: number): StoreRequest {
  if (counter.kind === 'stacked') return stackOf(counter, ask, prefix, at);
  const { limit, burst } = counter.limits[ask.limitIndex % counter.limits.length];
  if (counter.kind === 'global_window') {
    const windowMs = counter.windowUs / 1000;
    const cap = limit;
    const cost = ask.overCapacity ? cap + 1 : Math.round(ask.costShare * cap);
    const expectedStartMs = windowStart(at, counter.windowUs) / 1000 + ask.windowShift * windowMs;
    return { algorithm: 'global_window', key: buildGlobalCounterKey({ policyId: prefix, identity: counter.identity }), cap, cost, windowMs, expectedStartMs, dryRun: ask.dryRun };
  }
  const capacity = maxCost(counter.kind, limit, burst);
  const cost = ask.overCapacity ? capacity + 1 : Math.round(ask.costShare * capacity);
  return {
    algorithm: counter.kind,
    key: buildCounterKey({ policyId: prefix, identity: counter.identity, algorithm: counter.kind }),
    limit,
    windowUs: counter.windowUs,
    burst,
    cost,
    dryRun: ask.dryRun,
  };
}

/** Per request, how many requests before it the store sends to Redis (those it does not answer itself as unadmissible). */
function sentIndexes(requests: readonly StoreRequest[]): number[] {
  let sent = 0;
  return requests.map((request) => {
    const index = sent;
    const refused = request.algorithm === 'global_window' ? undefined : request.algorithm === 'stacked' ? unadmissibleStacked(request) : unadmissible(request);
    if (refused === undefined) sent += 1;
    return index;
  });
}

describe.each(['standalone', 'standalone, chunks of 4', 'cluster, per node', 'cluster, per slot'] as const)('batch parity on %s', (kind) => {
  let topo: Topology;
  let store: RedisCounterStore;

  beforeAll(async () => {
    topo = await topology(kind);
    store = new RedisCounterStore({ client: topo.client, registry, jitterMs: () => JITTER_BASE_MS, jitterSpanMs: JITTER_SPAN_MS, ...topo.options });
    await store.load();
  });

  afterAll(async () => {
    await topo?.stop();
  });

  /** Replays a scenario's batches through the store and the twin; every entry must be equal. */
  const replay = async ({ counters, startOffsetUs, batches }: { counters: Counter[]; startOffsetUs: number; batches: Batch[] }): Promise<void> => {
    const prefix = `bp${run++}`;
    const twin = new StoreTwin();
    const kinds = new Map<string, StoreRequest | StackedLimit>();
    now = T0 + startOffsetUs;
    for (const [b, batch] of batches.entries()) {
      now += batch.advanceUs;
      const requests = batch.asks.map((ask) => requestOf(counters[ask.counter], ask, prefix, now));
      for (const request of requests) {
        if (request.algorithm !== 'stacked') kinds.set(request.key, request);
        else for (const limit of request.limits) kinds.set(limit.key, limit);
      }
      const expired = twin.expire(now);
      if (expired.length > 0) await Promise.all(expired.flatMap((key) => redisKeysOf(kinds, key)).map((key) => topo.client.del(key)));
      // The store answers a cost no limit can ever admit without Redis: the call's decision i is the i-th request sent.
      const sentBefore = sentIndexes(requests);
      const expected = twin.decideBatch({ requests, now, jitterMs: (index) => batchJitterMs({ baseMs: JITTER_BASE_MS, spanMs: JITTER_SPAN_MS, index: sentBefore[index] }) });
      const actual = await store.decideMany(requests);
      expect(actual.map((decision, index) => ({ batch: b, index, decision }))).toEqual(expected.map(({ decision }, index) => ({ batch: b, index, decision })));
      if (topo.oneCallPerBatch) {
        // Each key's TTL is the one its last write in the batch set (less the few ms since).
        const lastWrite = new Map<string, number>();
        for (const { writes } of expected) for (const { key, expiryMs } of writes) lastWrite.set(key, expiryMs);
        for (const [key, expiryMs] of lastWrite) {
          for (const redisKey of redisKeysOf(kinds, key)) {
            const ttl = await topo.client.pttl(redisKey);
            expect({ key: redisKey, ttlWithinExpiry: ttl <= expiryMs && ttl >= expiryMs - 1_000 }).toEqual({ key: redisKey, ttlWithinExpiry: true });
          }
        }
      }
    }
  };

  it('decides every batch exactly like the TypeScript twins replaying it in order at its now (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, replay),
      { numRuns: kind.startsWith('cluster') ? 60 : 100, seed: 20_261_201 },
    );
  });

  it('decides stacks all or nothing like the twin: a partial admit takes nothing (fast-check)', async () => {
    await fc.assert(fc.asyncProperty(stackScenarioArb, replay), { numRuns: kind.startsWith('cluster') ? 40 : 80, seed: 20_261_203 });
  });
});
