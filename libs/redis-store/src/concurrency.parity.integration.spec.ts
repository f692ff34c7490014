import fc from 'fast-check';
import { acquireStep, buildConcurrencyKey, peekLeases, releaseStep, type LeaseSet } from '@rl/limiter-core';
import { argvClockPrelude, startRedisTopology } from '@rl/testing';
import { createRedisClient, waitForReady } from './connection';
import { RedisConcurrencyStore } from './concurrency-store';
import type { RedisClient } from './script-registry';

/**
 * lua/concurrency/*.lua against limiter-core's acquireStep, releaseStep and peekLeases: random
 * acquires, peeks, releases (held, released twice, unknown) and time steps past lease expiries, replayed at exact
 * times (the argv clock) on a standalone redis-server and on a 3-master Cluster. Then, with Redis
 * TIME: a crashed caller's lease frees its slot when it expires, and the key expires with its
 * last lease.
 */

const T0 = 1_700_000_040_123_456;
const SECOND = 1_000_000;
let now = T0;

type Op = { kind: 'acquire' } | { kind: 'peek' } | { kind: 'release'; pick: number } | { kind: 'advance'; us: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ kind: 'acquire' }),
  fc.constant<Op>({ kind: 'peek' }),
  fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('advance' as const), us: fc.integer({ min: 0, max: 4 * SECOND }) }),
);

describe.each(['standalone', 'cluster'] as const)('concurrency scripts on %s', (topology) => {
  let client: RedisClient;
  let stop: () => Promise<void>;
  let store: RedisConcurrencyStore;
  let realTime: RedisConcurrencyStore;
  let sequence = 0;

  beforeAll(async () => {
    const redis = await startRedisTopology(topology);
    stop = redis.stop;
    client = createRedisClient(redis.target, { commandTimeoutMs: 5_000 });
    await waitForReady(client, 20_000);
    store = new RedisConcurrencyStore({ client, clockPrelude: argvClockPrelude(), clockArgs: () => [now], jitterMs: () => 3_600_000 });
    realTime = new RedisConcurrencyStore({ client, jitterMs: () => 0 });
    await store.load();
    await realTime.load();
  }, 60_000);

  afterAll(async () => {
    client?.disconnect();
    await stop?.();
  });

  it('agrees with acquireStep, releaseStep and peekLeases on every step', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(op, { minLength: 5, maxLength: 40 }), async (limit, ops) => {
        now = T0 + sequence * 7_919;
        const key = buildConcurrencyKey({ policyId: 'cc-parity', identity: `${topology}-${sequence++}` });
        let leases: LeaseSet | undefined;
        const ids: string[] = [];
        for (const step of ops) {
          if (step.kind === 'advance') {
            now += step.us;
          } else if (step.kind === 'peek') {
            expect(await store.peek({ key })).toEqual(peekLeases({ leases, now }));
          } else if (step.kind === 'acquire') {
            const leaseId = `lease-${ids.length}`;
            ids.push(leaseId);
            const expected = acquireStep({ leases, limit, leaseUs: 3 * SECOND, leaseId, now });
            if (expected.next !== undefined) leases = expected.next;
            else if (leases !== undefined) leases = new Map([...leases].filter(([, expiry]) => expiry > now));
            expect(await store.acquire({ key, limit, leaseUs: 3 * SECOND, leaseId })).toEqual(expected.decision);
          } else {
            const leaseId = ids.length === 0 ? 'never' : ids[step.pick % ids.length];
            const expected = releaseStep({ leases, leaseId, now });
            if (expected.next !== undefined) leases = expected.next;
            expect(await store.release({ key, leaseId })).toBe(expected.released);
          }
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  it('frees the slot of a caller that crashed holding a lease once the lease expires (Redis TIME)', async () => {
    const key = buildConcurrencyKey({ policyId: 'cc-crash', identity: topology });
    expect(await realTime.acquire({ key, limit: 1, leaseUs: 300_000, leaseId: 'crashed' })).toMatchObject({ allowed: true, remaining: 0 });
    const denied = await realTime.acquire({ key, limit: 1, leaseUs: 300_000, leaseId: 'waiting' });
    expect(denied.allowed).toBe(false);
    expect(denied.retryAfterUs).toBeGreaterThan(0);
    expect(denied.retryAfterUs).toBeLessThanOrEqual(300_000);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await realTime.acquire({ key, limit: 1, leaseUs: 300_000, leaseId: 'next' })).toMatchObject({ allowed: true });
    expect(await realTime.release({ key, leaseId: 'crashed' })).toBe(false);
    const ttl = await client.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(300);
    expect(await realTime.release({ key, leaseId: 'next' })).toBe(true);
    // No lease left: no key left.
    expect(await client.exists(key)).toBe(0);
  });
});
