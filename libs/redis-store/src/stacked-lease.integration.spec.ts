import { Cluster } from 'ioredis';
import type { StackedDecision, StackedRequest } from '@rl/limiter-core';
import { leasablePlan, startRedisCluster, startRedisServer } from '@rl/testing';
import { createRedisClient, waitForReady } from './connection';
import { isLeasableStack, RedisLeaseStore } from './lease-store';
import { RedisCounterStore } from './redis-counter-store';
import type { RedisClient } from './script-registry';

/**
 * Stacked leases (lua/lease/stacked_*.lua) against a real redis-server and a real Redis Cluster,
 * with `now` from Redis TIME: all or nothing over every limit, returns to every limit, and the
 * limiter scripts seeing leased units at once.
 */

const SECOND = 1_000_000;
const HOUR = 3_600 * SECOND;

interface Target {
  readonly client: RedisClient;
  stop(): Promise<void>;
}

const targets: Array<[string, () => Promise<Target>]> = [
  [
    'redis-server',
    async () => {
      const server = await startRedisServer();
      const client = createRedisClient({ url: server.url }, { commandTimeoutMs: 5_000 });
      return { client, stop: () => server.stop() };
    },
  ],
  [
    'Redis Cluster',
    async () => {
      const cluster = await startRedisCluster({ masters: 3 });
      const client = createRedisClient({ clusterNodes: [...cluster.nodes] }, { commandTimeoutMs: 5_000 });
      return { client, stop: () => cluster.stop() };
    },
  ],
];

let identities = 0;

/** A token bucket (per hour), an hour's fixed window and a calendar month, with these limits. */
function stack(input: { bucket: number; window: number; month: number; cost?: number }): StackedRequest {
  return leasablePlan({ policyId: 'stacked-lease-it', identity: `u${identities++}`, limits: [input.bucket, input.window, input.month], cost: input.cost });
}

describe.each(targets)('stacked leases on %s', (_name, start) => {
  let target: Target;
  let leases: RedisLeaseStore;
  let counters: RedisCounterStore;

  beforeAll(async () => {
    target = await start();
    await waitForReady(target.client, 20_000);
    leases = new RedisLeaseStore({ client: target.client, jitterMs: () => 100 });
    counters = new RedisCounterStore({ client: target.client, jitterMs: () => 100 });
    await leases.load();
  });

  afterAll(async () => {
    target?.client.disconnect();
    await target?.stop();
  });

  /** What each limit holds now: a real peek (a dry run of cost 0) through the limiter scripts. */
  async function remaining(request: StackedRequest): Promise<number[]> {
    const peek = (await counters.decideMany([{ ...request, cost: 0, dryRun: true }]))[0] as StackedDecision;
    return peek.limits.map((limit) => limit.remaining);
  }

  it('leases only stacks of token buckets and fixed (and calendar) windows', () => {
    const request = stack({ bucket: 10, window: 10, month: 10 });
    expect(isLeasableStack(request)).toBe(true);
    expect(isLeasableStack({ ...request, limits: [...request.limits, { ...request.limits[0], algorithm: 'sliding_window' }] })).toBe(false);
    // A global limit's cap is the region's allocation, moved by the reconciler: never leased.
    expect(isLeasableStack({ ...request, limits: [...request.limits, { ...request.limits[0], algorithm: 'fixed_window', global: { expectedStartMs: 0 } }] })).toBe(false);
  });

  it('takes the same units from every limit at once, seen by the limiter scripts, with TTLs', async () => {
    const request = stack({ bucket: 1_000, window: 500, month: 10_000 });
    const grant = await leases.acquireStack({ request, want: 100 });
    expect(grant.granted).toBe(100);
    expect(grant.limits.map((l) => l.remaining)).toEqual([900, 400, 9_900]);
    expect(grant.limits.map((l) => l.retryAfterUs)).toEqual([0, 0, 0]);
    expect(grant.limits[0]).toMatchObject({ windowStartUs: 0, validUs: 0 });
    expect(grant.limits[2].windowStartUs).toBe(request.limits[2].calendar?.startUs);
    for (const window of grant.limits.slice(1)) expect(window.validUs).toBeGreaterThan(0);
    expect(await remaining(request)).toEqual([900, 400, 9_900]);
    for (const limit of request.limits) expect(await target.client.pttl(limit.key)).toBeGreaterThan(0);
  });

  it('grants no more than the tightest limit holds, and nothing at all when one limit cannot cover the cost', async () => {
    const request = stack({ bucket: 1_000, window: 30, month: 10_000, cost: 5 });
    expect((await leases.acquireStack({ request, want: 200 })).granted).toBe(30);
    const before = await Promise.all(request.limits.map((l) => target.client.getBuffer(l.key)));
    const denied = await leases.acquireStack({ request, want: 200 });
    expect(denied.granted).toBe(0);
    // Only the hour window denies: it alone carries a retry time (until its end).
    expect(denied.limits[0].retryAfterUs).toBe(0);
    expect(denied.limits[1].retryAfterUs).toBeGreaterThan(0);
    expect(denied.limits[1].retryAfterUs).toBeLessThanOrEqual(HOUR);
    expect(denied.limits[2].retryAfterUs).toBe(0);
    expect(denied.limits.map((l) => l.remaining)).toEqual([970, 0, 9_970]);
    // A denial writes nothing to any limit.
    expect(await Promise.all(request.limits.map((l) => target.client.getBuffer(l.key)))).toEqual(before);
  });

  it('gives unused units back to every limit, never lifting one above its capacity', async () => {
    const request = stack({ bucket: 100, window: 100, month: 100 });
    const grant = await leases.acquireStack({ request, want: 60 });
    expect(grant.granted).toBe(60);
    const windowStartsUs = grant.limits.map((l) => l.windowStartUs);
    expect(await leases.releaseStack({ request, units: 25, windowStartsUs })).toBe(25);
    expect(await remaining(request)).toEqual([65, 65, 65]);
    // More than was ever leased: every limit takes back only what it had counted.
    expect(await leases.releaseStack({ request, units: 1_000, windowStartsUs })).toBe(35);
    expect(await remaining(request)).toEqual([100, 100, 100]);
  });

  it('gives a window limit nothing back for a window other than the lease’s', async () => {
    const request = stack({ bucket: 100, window: 100, month: 100 });
    const grant = await leases.acquireStack({ request, want: 40 });
    const stale = grant.limits.map((l, i) => (i === 1 ? l.windowStartUs - HOUR : l.windowStartUs));
    // The hour window takes nothing back, so the fewest given back is 0; the others take theirs.
    expect(await leases.releaseStack({ request, units: 40, windowStartsUs: stale })).toBe(0);
    expect(await remaining(request)).toEqual([100, 60, 100]);
  });

  it('never grants more than the tightest limit to concurrent acquisitions', async () => {
    const request = stack({ bucket: 1_000, window: 100, month: 1_000 });
    const grants = await Promise.all(Array.from({ length: 50 }, () => leases.acquireStack({ request, want: 7 })));
    expect(grants.reduce((sum, g) => sum + g.granted, 0)).toBe(100);
    expect(await remaining(request)).toEqual([900, 0, 900]);
  });

  it('runs after SCRIPT FLUSH (EVAL fallback on NOSCRIPT)', async () => {
    const request = stack({ bucket: 10, window: 10, month: 10 });
    const flush = target.client instanceof Cluster ? target.client.nodes('master') : [target.client];
    await Promise.all(flush.map((node) => node.script('FLUSH')));
    expect((await leases.acquireStack({ request, want: 4 })).granted).toBe(4);
    expect(await leases.releaseStack({ request, units: 4, windowStartsUs: [0, 0, 0] })).toBe(0);
  });
});
