import { buildCounterKey, type LimitRequest } from '@rl/limiter-core';
import { startRedisServer, type RedisServerHandle } from '@rl/testing';
import { createRedisClient, waitForReady } from './connection';
import { isLeaseAlgorithm, RedisLeaseStore, type LeaseAlgorithm } from './lease-store';
import { RedisCounterStore } from './redis-counter-store';
import type { RedisClient } from './script-registry';

/** Lease scripts against a real redis-server, with `now` from Redis TIME. */

const SECOND = 1_000_000;
const HOUR = 3_600 * SECOND;
const JITTER_MS = 100;

let server: RedisServerHandle;
let client: RedisClient;
let leases: RedisLeaseStore;
let counters: RedisCounterStore;
let identities = 0;

function request(algorithm: LeaseAlgorithm, limit: number, windowUs = HOUR, cost = 1): LimitRequest & { algorithm: LeaseAlgorithm } {
  return { key: buildCounterKey({ policyId: 'lease-it', identity: `u${identities++}`, algorithm }), algorithm, limit, windowUs, burst: limit, cost };
}

beforeAll(async () => {
  server = await startRedisServer();
  client = createRedisClient({ url: server.url }, { commandTimeoutMs: 5_000 });
  await waitForReady(client, 10_000);
  leases = new RedisLeaseStore({ client, jitterMs: () => JITTER_MS });
  counters = new RedisCounterStore({ client, jitterMs: () => JITTER_MS });
});

afterAll(async () => {
  client?.disconnect();
  await server?.stop();
});

describe.each([['token_bucket'], ['fixed_window']] as const)('%s leases', (algorithm) => {
  it('is a lease algorithm', () => {
    expect(isLeaseAlgorithm(algorithm)).toBe(true);
  });

  it('takes what was asked, deducted for every other caller at once, with a TTL', async () => {
    const req = request(algorithm, 1_000);
    const grant = await leases.acquire({ request: req, want: 200 });
    expect(grant).toMatchObject({ granted: 200, remaining: 800, retryAfterUs: 0 });
    if (algorithm === 'fixed_window') {
      expect(grant.windowStartUs).toBeGreaterThan(0);
      expect(grant.validUs).toBeGreaterThan(0);
      expect(grant.validUs).toBeLessThanOrEqual(HOUR);
    } else {
      expect(grant).toMatchObject({ windowStartUs: 0, validUs: 0 });
    }
    expect(await client.pttl(req.key)).toBeGreaterThan(0);
    const decision = await counters.decide(req);
    expect(decision).toMatchObject({ allowed: true, remaining: 799 });
    expect((await leases.acquire({ request: req, want: 10 })).granted).toBe(10);
    // Fewer left than asked: the rest, whole units only.
    expect((await leases.acquire({ request: req, want: 5_000 })).granted).toBe(789);
  });

  it('gives unused units back, exactly and never beyond the capacity', async () => {
    const req = request(algorithm, 100);
    const grant = await leases.acquire({ request: req, want: 60 });
    expect(grant.granted).toBe(60);
    expect(await leases.release({ request: req, units: 25, windowStartUs: grant.windowStartUs })).toBe(25);
    expect(await counters.decide(req)).toMatchObject({ allowed: true, remaining: 64 });
    // More than was ever leased: capped at the capacity.
    // (A bucket has refilled by a fraction of a token meanwhile, so it takes back 35 and a fraction.)
    const capped = await leases.release({ request: req, units: 1_000, windowStartUs: grant.windowStartUs });
    if (algorithm === 'fixed_window') expect(capped).toBe(36);
    else expect([35, 36]).toContain(capped);
    expect(await counters.decide(req)).toMatchObject({ allowed: true, remaining: 99 });
    expect(await client.pttl(req.key)).toBeGreaterThan(0);
  });

  it('denies when the counter cannot cover the cost, with a retry time, writing nothing', async () => {
    const req = request(algorithm, 5, HOUR, 3);
    expect((await leases.acquire({ request: req, want: 4 })).granted).toBe(4);
    const before = await client.getBuffer(req.key);
    const denied = await leases.acquire({ request: req, want: 3 });
    expect(denied).toMatchObject({ granted: 0, remaining: 1 });
    expect(denied.retryAfterUs).toBeGreaterThan(0);
    expect(await client.getBuffer(req.key)).toEqual(before);
  });

  it('counts leased units as used, so a raised or lowered limit applies to them at once', async () => {
    const req = request(algorithm, 5);
    expect((await leases.acquire({ request: req, want: 5 })).granted).toBe(5);
    expect(await counters.decide({ ...req, limit: 8, burst: 8 })).toMatchObject({ allowed: true, remaining: 2 });
    expect(await counters.decide({ ...req, limit: 4, burst: 4 })).toMatchObject({ allowed: false, remaining: 0 });
    expect((await leases.acquire({ request: { ...req, limit: 10, burst: 10 }, want: 10 })).granted).toBe(4);
  });

  it('never grants more than the limit to concurrent acquisitions', async () => {
    const req = request(algorithm, 1_000);
    const grants = await Promise.all(Array.from({ length: 300 }, () => leases.acquire({ request: req, want: 7 })));
    expect(grants.reduce((sum, g) => sum + g.granted, 0)).toBe(1_000);
  });

  it('runs after SCRIPT FLUSH (EVAL fallback on NOSCRIPT)', async () => {
    await client.script('FLUSH');
    const req = request(algorithm, 10);
    expect((await leases.acquire({ request: req, want: 2 })).granted).toBe(2);
    await leases.load();
    expect(await leases.release({ request: req, units: 2, windowStartUs: 0 })).toBe(algorithm === 'fixed_window' ? 0 : 2);
  });
});

it('a fixed-window return after its window ended gives nothing back to the new window', async () => {
  const req = request('fixed_window', 10, 200_000);
  let grant = await leases.acquire({ request: req, want: 10 });
  // Start right after a boundary so the window below surely ends before the return.
  while (grant.validUs < 150_000) {
    await new Promise((resolve) => setTimeout(resolve, grant.validUs / 1000 + 1));
    grant = await leases.acquire({ request: req, want: 10 });
  }
  await new Promise((resolve) => setTimeout(resolve, grant.validUs / 1000 + 5));
  expect((await counters.decide(req)).remaining).toBe(9);
  expect(await leases.release({ request: req, units: 5, windowStartUs: grant.windowStartUs })).toBe(0);
  expect((await counters.decide(req)).remaining).toBe(8);
});
