import { Cluster, Redis } from 'ioredis';
import { buildCounterKey, StoreTimeoutError, type LimitRequest, type RawDecision, type StoreDecision, type StoreError, type StoreRequest } from '@rl/limiter-core';
import { startRedisCluster, startRedisServer, type RedisClusterHandle, type RedisServerHandle } from '@rl/testing';
import { keySlot } from './cluster-routing';
import { createRedisClient, waitForReady } from './connection';
import { RedisCounterStore } from './redis-counter-store';
import type { RedisClient } from './script-registry';

/** decideMany against real redis-servers, with `now` from Redis TIME: NOSCRIPT, timeouts, and Cluster routing. */

const HOUR_US = 3_600_000_000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let identities = 0;
function fixedWindow(limit: number, identity = `b${identities++}`): LimitRequest {
  return { key: buildCounterKey({ policyId: 'batch-it', identity, algorithm: 'fixed_window' }), algorithm: 'fixed_window', limit, windowUs: HOUR_US, burst: limit, cost: 1 };
}

const peek = (request: LimitRequest): LimitRequest => ({ ...request, cost: 0, dryRun: true });

async function commandCalls(masters: readonly Redis[], command: 'evalsha' | 'eval'): Promise<number[]> {
  return Promise.all(masters.map(async (m) => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(await m.info('commandstats'))?.[1] ?? 0)));
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

function decided(outcomes: readonly (StoreDecision | StoreError)[]): RawDecision[] {
  for (const outcome of outcomes) if (outcome instanceof Error) throw outcome;
  return outcomes as RawDecision[];
}

describe('decideMany on one redis-server', () => {
  let server: RedisServerHandle;
  let client: RedisClient;
  let admin: Redis;

  beforeAll(async () => {
    server = await startRedisServer();
    client = createRedisClient({ url: server.url }, { commandTimeoutMs: 5_000 });
    admin = new Redis(server.port, '127.0.0.1');
    await waitForReady(client, 10_000);
  });

  afterAll(async () => {
    client?.disconnect();
    admin?.disconnect();
    await server?.stop();
  });

  it('after SCRIPT FLUSH, falls back to EVAL and counts each decision once', async () => {
    const store = new RedisCounterStore({ client });
    await store.load();
    const request = fixedWindow(100);
    expect(decided(await store.decideMany([request, request, request])).map((d) => d.remaining)).toEqual([99, 98, 97]);
    await admin.config('RESETSTAT');
    await admin.script('FLUSH');
    expect(decided(await store.decideMany([request, request])).map((d) => d.remaining)).toEqual([96, 95]);
    expect(await commandCalls([admin], 'eval')).toEqual([1]);
    expect(decided(await store.decideMany([peek(request)]))).toEqual([{ allowed: true, remaining: 95, resetUs: expect.any(Number), retryAfterUs: 0 }]);
  });

  it('fails every entry of a batch that times out, and never sends it again: one application at most', async () => {
    const impatient = createRedisClient({ url: server.url }, { commandTimeoutMs: 100 });
    try {
      await waitForReady(impatient, 10_000);
      const store = new RedisCounterStore({ client: impatient });
      await store.load();
      const request = fixedWindow(100);
      const other = fixedWindow(100);
      await admin.config('RESETSTAT');
      await admin.client('PAUSE', 400, 'ALL');
      const outcomes = await store.decideMany([request, other, request]);
      expect(outcomes).toHaveLength(3);
      for (const outcome of outcomes) expect(outcome).toBeInstanceOf(StoreTimeoutError);
      await sleep(500);
      // The batch ran once after the pause: each counter shows its decisions once, not twice.
      const [first, second] = decided(await new RedisCounterStore({ client }).decideMany([peek(request), peek(other)]));
      expect([first.remaining, second.remaining]).toEqual([98, 99]);
      expect(await commandCalls([admin], 'evalsha')).toEqual([2]);
    } finally {
      impatient.disconnect();
    }
  });

  it('fails only the decision whose key holds another type, and decides the rest', async () => {
    const store = new RedisCounterStore({ client });
    const wrong = fixedWindow(10);
    await admin.lpush(wrong.key, 'not a counter');
    const right = fixedWindow(10);
    const [bad, good] = await store.decideMany([wrong, right]);
    expect(bad).toMatchObject({ name: 'StoreUnavailableError', code: 'WRONGTYPE' });
    expect(good).toMatchObject({ allowed: true, remaining: 9 });
  });

  it('admits exactly the limit from 1,000 concurrent decisions on one key, in batches', async () => {
    const store = new RedisCounterStore({ client });
    const request = fixedWindow(100);
    const batches = await Promise.all(Array.from({ length: 20 }, () => store.decideMany(Array.from({ length: 50 }, () => request))));
    expect(batches.flatMap(decided).filter((d) => d.allowed)).toHaveLength(100);
  });
});

describe('decideMany on a 3-master Redis Cluster', () => {
  let cluster: RedisClusterHandle;
  let masters: Redis[];
  /** Master address ("127.0.0.1:port") → node id. */
  const ids = new Map<string, string>();

  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3 });
    masters = cluster.servers.map((s) => new Redis(s.port, '127.0.0.1'));
    for (const [i, master] of masters.entries()) ids.set(cluster.nodes[i], String(await master.cluster('MYID')));
  });

  afterAll(async () => {
    for (const master of masters ?? []) master.disconnect();
    await cluster?.stop();
  });

  /** A cluster client whose slot map changes only on a redirection (no periodic refresh), with the enforcer's fail-fast options. */
  async function frozenClient(): Promise<Cluster> {
    const client = new Cluster([...cluster.nodes], {
      enableOfflineQueue: false,
      slotsRefreshInterval: 0,
      retryDelayOnFailover: 0,
      redisOptions: { commandTimeout: 5_000, autoResendUnfulfilledCommands: false, maxRetriesPerRequest: 0 },
    });
    await waitForReady(client, 20_000);
    return client;
  }

  /** Which master (index) serves `slot`, by asking the nodes themselves. */
  async function ownerOf(slot: number): Promise<number> {
    const range = (await masters[0].cluster('SLOTS')).find(([from, to]) => slot >= from && slot <= to);
    return cluster.nodes.indexOf(`127.0.0.1:${range?.[2]?.[1]}`);
  }

  /** Identities whose keys fall on the given master, each in a slot of its own. */
  async function identitiesOn(master: number, count: number): Promise<LimitRequest[]> {
    const found: LimitRequest[] = [];
    const slots = new Set<number>();
    for (let i = 0; found.length < count; i++) {
      const request = fixedWindow(10, `route-${identities}-${i}`);
      const slot = keySlot(request.key);
      if (!slots.has(slot) && (await ownerOf(slot)) === master) {
        slots.add(slot);
        found.push(request);
      }
    }
    identities++;
    return found;
  }

  /** How many keys each master holds in `slot` (a node answers for its own keys, whoever owns the slot). */
  async function keysInSlot(slot: number): Promise<number[]> {
    return Promise.all(masters.map(async (m) => Number(await m.cluster('COUNTKEYSINSLOT', slot))));
  }

  /** Gives an empty slot to another master, behind the clients' backs (what a resharding does). */
  async function moveSlot(slot: number, to: number): Promise<void> {
    const target = ids.get(cluster.nodes[to]) ?? '';
    await masters[to].cluster('SETSLOT', slot, 'NODE', target);
    for (const [i, master] of masters.entries()) if (i !== to) await master.cluster('SETSLOT', slot, 'NODE', target);
  }

  it.each([
    ['per-node', 3],
    ['per-slot', 9],
  ] as const)('%s: a batch over nine slots on three masters takes %i script calls', async (mode, calls) => {
    const client = createRedisClient({ clusterNodes: [...cluster.nodes] }, { commandTimeoutMs: 5_000 });
    try {
      await waitForReady(client, 20_000);
      const store = new RedisCounterStore({ client, clusterCalls: mode });
      await store.load();
      const requests = (await Promise.all([0, 1, 2].map((m) => identitiesOn(m, 3)))).flat();
      await Promise.all(masters.map((m) => m.config('RESETSTAT')));
      const decisions = decided(await store.decideMany([...requests, ...requests]));
      expect(decisions.map((d) => d.remaining)).toEqual([...requests.map(() => 9), ...requests.map(() => 8)]);
      expect(sum(await commandCalls(masters, 'evalsha'))).toBe(calls);
      for (const request of requests) expect(await masters[await ownerOf(keySlot(request.key))].exists(request.key)).toBe(1);
    } finally {
      client.disconnect();
    }
  });

  it('per-node, after SCRIPT FLUSH on every master: falls back to EVAL and counts each decision once', async () => {
    const client = createRedisClient({ clusterNodes: [...cluster.nodes] }, { commandTimeoutMs: 5_000 });
    try {
      await waitForReady(client, 20_000);
      const store = new RedisCounterStore({ client });
      await store.load();
      const requests = (await Promise.all([0, 1, 2].map((m) => identitiesOn(m, 2)))).flat();
      decided(await store.decideMany(requests));
      await Promise.all(masters.map((m) => m.config('RESETSTAT')));
      await Promise.all(masters.map((m) => m.script('FLUSH')));
      expect(decided(await store.decideMany(requests)).map((d) => d.remaining)).toEqual(requests.map(() => 8));
      expect(await commandCalls(masters, 'eval')).toEqual([1, 1, 1]);
    } finally {
      client.disconnect();
    }
  });

  it.each([
    ['a carried key', 1],
    ['the declared keys', 0],
  ] as const)('per-node: when the slot of %s moved behind the client, the decisions are made once, where the slot now is', async (_what, moved) => {
    const client = await frozenClient();
    try {
      const store = new RedisCounterStore({ client });
      await store.load();
      const [anchor, carried] = await identitiesOn(0, 2);
      const requests: StoreRequest[] = [anchor, carried, anchor];
      const movedSlot = keySlot(requests[moved].key);
      await moveSlot(movedSlot, 1);
      expect(client.slots[movedSlot][0]).toBe(cluster.nodes[0]);
      const decisions = decided(await store.decideMany(requests));
      expect(decisions.map((d) => d.remaining)).toEqual([9, 9, 8]);
      expect(await keysInSlot(movedSlot)).toEqual([0, 1, 0]);
      // The client's slot map names the new owner now (a MOVED reply or the refresh it triggered).
      expect(client.slots[movedSlot][0]).toBe(cluster.nodes[1]);
      expect(decided(await store.decideMany([peek(anchor), peek(carried)])).map((d) => d.remaining)).toEqual([8, 9]);
    } finally {
      client.disconnect();
    }
  });

  it('per-node: a batch whose declared slot is being migrated (ASK) is sent again per slot and decided once', async () => {
    const client = await frozenClient();
    try {
      const store = new RedisCounterStore({ client });
      await store.load();
      const [anchor, other] = await identitiesOn(2, 2);
      const slot = keySlot(anchor.key);
      const [source, target] = [ids.get(cluster.nodes[2]) ?? '', ids.get(cluster.nodes[0]) ?? ''];
      await masters[0].cluster('SETSLOT', slot, 'IMPORTING', source);
      await masters[2].cluster('SETSLOT', slot, 'MIGRATING', target);
      try {
        const decisions = decided(await store.decideMany([anchor, other, anchor]));
        expect(decisions.map((d) => d.remaining)).toEqual([9, 9, 8]);
        expect(await keysInSlot(slot)).toEqual([1, 0, 0]);
      } finally {
        await masters[0].cluster('SETSLOT', slot, 'NODE', target);
        await masters[2].cluster('SETSLOT', slot, 'NODE', target);
        await masters[1].cluster('SETSLOT', slot, 'NODE', target);
      }
    } finally {
      client.disconnect();
    }
  });
});
