import { buildStackKeys, CalendarWindowClock, type StackedDecision, type StackedLimit, type StackedRequest, type StoreDecision, type StoreError } from '@rl/limiter-core';
import { argvClockPrelude, startRedisCluster, startRedisServer } from '@rl/testing';
import { createRedisClient, waitForReady } from './connection';
import { RedisCounterStore } from './redis-counter-store';
import { ScriptRegistry, type RedisClient } from './script-registry';

/**
 * Stacks with global limits (batch.lua kind 10) against real redis-servers, standalone and a
 * 3-master Cluster, with Redis TIME replaced by a manual clock: a global limit denying while the
 * regional ones admit takes nothing from any of them, and a global limit counted in another window
 * than the caller expected (an aligned minute, or a calendar month whose end Redis' clock has
 * passed) denies and says where the store counts now.
 */

const MINUTE_MS = 60_000;
/** 12:00:30.5 on some day: mid-minute, so the expected window and the store's agree. */
const T0_US = 1_764_849_630_500_000;
let nowUs = T0_US;
const registry = new ScriptRegistry({ clockPrelude: argvClockPrelude(), clockArgs: () => [nowUs] });

interface Topology {
  readonly client: RedisClient;
  stop(): Promise<void>;
}

async function standalone(): Promise<Topology> {
  const server = await startRedisServer();
  const client = createRedisClient({ url: server.url }, { commandTimeoutMs: 5_000 });
  await waitForReady(client, 10_000);
  return {
    client,
    async stop() {
      client.disconnect();
      await server.stop();
    },
  };
}

async function cluster(): Promise<Topology> {
  const handle = await startRedisCluster({ masters: 3 });
  const client = createRedisClient({ clusterNodes: [...handle.nodes] }, { commandTimeoutMs: 5_000 });
  await waitForReady(client, 20_000);
  return {
    client,
    async stop() {
      client.disconnect();
      await handle.stop();
    },
  };
}

let identities = 0;

/** burst: 10/s regional (token_bucket); minute: a global limit with this region's `cap`, expected in the window holding T0. */
function stack(input: { identity: string; cap: number; cost?: number; expectedStartMs?: number; dryRun?: boolean }): StackedRequest {
  const keys = buildStackKeys({
    policyId: 'plan',
    identity: input.identity,
    limits: [
      { name: 'burst', algorithm: 'token_bucket', calendar: false },
      { name: 'minute', algorithm: 'fixed_window', calendar: false, global: true },
    ],
  });
  const expectedStartMs = input.expectedStartMs ?? Math.floor(T0_US / 1000 / MINUTE_MS) * MINUTE_MS;
  const limits: StackedLimit[] = [
    { key: keys.limits[0], algorithm: 'token_bucket', limit: 10, windowUs: 1_000_000, burst: 10 },
    { key: keys.limits[1], algorithm: 'fixed_window', limit: input.cap, windowUs: MINUTE_MS * 1000, burst: input.cap, global: { expectedStartMs } },
  ];
  return { algorithm: 'stacked', key: keys.stack, limits, cost: input.cost ?? 1, dryRun: input.dryRun };
}

function decided(outcome: StoreDecision | StoreError): StackedDecision {
  if (outcome instanceof Error) throw outcome;
  return outcome as StackedDecision;
}

describe.each([
  ['one redis-server', standalone],
  ['a 3-master Redis Cluster', cluster],
] as const)('stacked global limits on %s', (_name, start) => {
  let topology: Topology;
  let store: RedisCounterStore;

  beforeAll(async () => {
    topology = await start();
    store = new RedisCounterStore({ client: topology.client, registry });
    await store.load();
  });

  afterAll(async () => {
    await topology?.stop();
  });

  beforeEach(() => {
    nowUs = T0_US;
  });

  const decide = async (request: StackedRequest): Promise<StackedDecision> => decided((await store.decideMany([request]))[0]);
  const windowStartMs = Math.floor(T0_US / 1000 / MINUTE_MS) * MINUTE_MS;

  it('admits while every limit admits, counting the global limit in its aligned window', async () => {
    const identity = `g${identities++}`;
    const first = await decide(stack({ identity, cap: 3 }));
    expect(first.allowed).toBe(true);
    expect(first.limits.map((l) => l.remaining)).toEqual([9, 2]);
    expect(first.globalWindows).toEqual([undefined, { windowStartMs, matched: true }]);
  });

  it('a global limit at its cap denies while the regional limit admits, and nothing is consumed from either', async () => {
    const identity = `g${identities++}`;
    await decide(stack({ identity, cap: 2, cost: 2 }));
    const denied = await decide(stack({ identity, cap: 2 }));
    expect(denied.allowed).toBe(false);
    expect(denied.limits[0].allowed).toBe(true);
    expect(denied.limits[1].allowed).toBe(false);
    expect(denied.constraining).toBe(1);
    expect(denied.retryAfterUs).toBe(windowStartMs * 1000 + MINUTE_MS * 1000 - T0_US);
    // Peeks (cost 0, dry run) show the regional bucket untouched by the denial: 10 - 2.
    const peek = await decide(stack({ identity, cap: 2, cost: 0, dryRun: true }));
    expect(peek.limits.map((l) => l.remaining)).toEqual([8, 0]);
    // A raised cap (a new allocation) admits the next request at once, in the same window.
    const raised = await decide(stack({ identity, cap: 3 }));
    expect(raised.allowed).toBe(true);
    expect(raised.limits.map((l) => l.remaining)).toEqual([7, 0]);
  });

  it('a regional limit denying takes nothing from the global limit', async () => {
    const identity = `g${identities++}`;
    await decide(stack({ identity, cap: 100, cost: 10 }));
    const denied = await decide(stack({ identity, cap: 100 }));
    expect(denied.allowed).toBe(false);
    expect(denied.limits.map((l) => l.allowed)).toEqual([false, true]);
    expect(denied.limits[1].remaining).toBe(90);
    expect(denied.globalWindows?.[1]).toEqual({ windowStartMs, matched: true });
  });

  it('a global limit expected in another window than the store counts in denies, takes nothing, and names the store window', async () => {
    const identity = `g${identities++}`;
    const early = await decide(stack({ identity, cap: 5, expectedStartMs: windowStartMs - MINUTE_MS }));
    expect(early.allowed).toBe(false);
    expect(early.globalWindows?.[1]).toEqual({ windowStartMs, matched: false });
    nowUs = T0_US + 1_000_000;
    const admitted = await decide(stack({ identity, cap: 5 }));
    expect(admitted.allowed).toBe(true);
    expect(admitted.limits.map((l) => l.remaining)).toEqual([9, 4]);
  });

  it('a dry run decides the same and writes nothing', async () => {
    const identity = `g${identities++}`;
    const dry = await decide(stack({ identity, cap: 1, dryRun: true }));
    expect(dry.allowed).toBe(true);
    const real = await decide(stack({ identity, cap: 1 }));
    expect(real.allowed).toBe(true);
    expect(real.limits.map((l) => l.remaining)).toEqual([9, 0]);
  });

  it('a global calendar month counts against its cap in the bounds given, and from their end on denies, takes nothing and names the next month', async () => {
    const identity = `g${identities++}`;
    const clock = new CalendarWindowClock('calendar-month', 'Europe/Berlin');
    const bounds = clock.boundsAt(T0_US);
    const month = (cap: number, given = bounds): StackedRequest => {
      const base = stack({ identity, cap: 100 });
      const keys = buildStackKeys({ policyId: 'plan', identity, limits: [{ name: 'month', algorithm: 'fixed_window', calendar: true, global: true }] });
      return { ...base, limits: [base.limits[0], { key: keys.limits[0], algorithm: 'fixed_window', limit: cap, windowUs: 0, burst: cap, calendar: given, global: { expectedStartMs: given.startUs / 1000 } }] };
    };
    expect((await decide(month(2))).limits.map((l) => l.remaining)).toEqual([9, 1]);
    expect(await decide(month(2))).toMatchObject({ allowed: true, globalWindows: [undefined, { windowStartMs: bounds.startUs / 1000, matched: true }] });
    const denied = await decide(month(2));
    expect(denied).toMatchObject({ allowed: false, limits: [{ allowed: true, remaining: 8 }, { allowed: false, retryAfterUs: bounds.endUs - T0_US }] });
    // Redis' clock past the month's end: the old bounds are not counted in; the reply names the new month.
    nowUs = bounds.endUs + 1_000;
    const late = await decide(month(2));
    expect(late).toMatchObject({ allowed: false, globalWindows: [undefined, { windowStartMs: bounds.endUs / 1000, matched: false }] });
    const next = clock.boundsAt(bounds.endUs);
    expect(await decide(month(2, next))).toMatchObject({ allowed: true, limits: [{ allowed: true }, { remaining: 1 }], globalWindows: [undefined, { windowStartMs: next.startUs / 1000, matched: true }] });
  });

  it('the next minute counts in a new window with that window\'s cap', async () => {
    const identity = `g${identities++}`;
    await decide(stack({ identity, cap: 1 }));
    nowUs = (windowStartMs + MINUTE_MS) * 1000 + 5_000_000;
    const next = await decide(stack({ identity, cap: 1, expectedStartMs: windowStartMs + MINUTE_MS }));
    expect(next.allowed).toBe(true);
    expect(next.globalWindows?.[1]).toEqual({ windowStartMs: windowStartMs + MINUTE_MS, matched: true });
  });
});
