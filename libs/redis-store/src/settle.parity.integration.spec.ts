import fc from 'fast-check';
import { buildCounterKey, decisionExpiryUs, LocalLimiter, ManualClock, recordExpiryUs, type DecisionRecord, type SettleableAlgorithm } from '@rl/limiter-core';
import { argvClockPrelude, startRedisTopology } from '@rl/testing';
import { createRedisClient, waitForReady } from './connection';
import { RedisCounterStore } from './redis-counter-store';
import { ScriptRegistry, type RedisClient } from './script-registry';
import { RedisSettleStore } from './settle-store';

/**
 * settle/record.lua, settle/settle.lua and settle/charge.lua against limiter-core's settleStep and
 * adjustCounter (through LocalLimiter): random sequences of decisions, records, settles, charges (refunds, charges into debt, repeats, late
 * ones) are replayed at exact times (the argv clock) through Redis and through the TypeScript twin,
 * on a standalone redis-server and on a 3-master Cluster, and must agree step by step. Windows are
 * long enough that no key expires in real time while the test runs.
 */

const T0 = 1_700_000_040_123_456;
const SECOND = 1_000_000;
const ALGORITHMS: readonly SettleableAlgorithm[] = ['token_bucket', 'gcra', 'leaky_bucket', 'fixed_window'];

let now = T0;
const prelude = argvClockPrelude();
const clockArgs = (): readonly number[] => [now];

type Op =
  | { kind: 'decide'; cost: number; record: boolean }
  | { kind: 'settle'; pick: number; actualCost: number }
  | { kind: 'charge'; cost: number }
  | { kind: 'advance'; fraction: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('decide' as const), cost: fc.integer({ min: 1, max: 6 }), record: fc.boolean() }),
  fc.record({ kind: fc.constant('settle' as const), pick: fc.nat(), actualCost: fc.integer({ min: 0, max: 25 }) }),
  fc.record({ kind: fc.constant('charge' as const), cost: fc.integer({ min: 1, max: 15 }) }),
  fc.record({ kind: fc.constant('advance' as const), fraction: fc.double({ min: 0, max: 0.7, noNaN: true }) }),
);

describe.each(['standalone', 'cluster'] as const)('settle parity on %s', (topology) => {
  let client: RedisClient;
  let stop: () => Promise<void>;
  let counters: RedisCounterStore;
  let settles: RedisSettleStore;
  let sequence = 0;

  beforeAll(async () => {
    const redis = await startRedisTopology(topology);
    stop = redis.stop;
    client = createRedisClient(redis.target, { commandTimeoutMs: 5_000 });
    await waitForReady(client, 20_000);
    const registry = new ScriptRegistry({ clockPrelude: prelude, clockArgs });
    counters = new RedisCounterStore({ client, registry, jitterMs: () => 3_600_000 });
    settles = new RedisSettleStore({ client, clockPrelude: prelude, clockArgs, jitterMs: () => 3_600_000 });
    await settles.load();
  }, 60_000);

  afterAll(async () => {
    client?.disconnect();
    await stop?.();
  });

  it('records a fixed-window decision that lands after its window in that window: expired, nothing changes', async () => {
    const windowUs = 60 * SECOND;
    const params = { limit: 10, windowUs, burst: 10 };
    const key = buildCounterKey({ policyId: 'settle-edge', identity: `${topology}-${sequence++}`, algorithm: 'fixed_window' });
    now = Math.floor(T0 / windowUs) * windowUs + windowUs - 1;
    expect(await counters.decide({ key, algorithm: 'fixed_window', ...params, cost: 4 })).toMatchObject({ allowed: true, remaining: 6 });
    const windowEnd = now + 1;
    now = windowEnd + 500;
    expect(await settles.record({ counterKey: key, nonce: 'late', algorithm: 'fixed_window', ...params, cost: 4 })).toBe(windowEnd);
    expect(await settles.settle({ counterKey: key, nonce: 'late', actualCost: 0 })).toMatchObject({ status: 'expired', remaining: 10 });
    // The twin: the record's window is the counter's.
    expect(recordExpiryUs({ algorithm: 'fixed_window', windowUs, recordedAtUs: now, counterWindowStartUs: windowEnd - windowUs })).toBe(windowEnd);
  });

  it.each(ALGORITHMS)('%s: Lua and TypeScript agree on every decision and settle', async (algorithm) => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(SECOND, 60 * SECOND), fc.integer({ min: 5, max: 12 }), fc.array(op, { minLength: 5, maxLength: 40 }), async (windowUs, limit, ops) => {
        now = T0 + sequence * 7_919;
        const clock = new ManualClock(now);
        const twin = new LocalLimiter({ clock });
        const key = buildCounterKey({ policyId: 'settle-parity', identity: `${topology}-${algorithm}-${sequence++}`, algorithm });
        const records = new Map<string, DecisionRecord>();
        const nonces: string[] = [];
        const params = { limit, windowUs, burst: limit };
        for (const step of ops) {
          clock.set(now);
          if (step.kind === 'advance') {
            now += Math.floor(step.fraction * windowUs);
          } else if (step.kind === 'charge') {
            const expected = twin.charge({ key, algorithm, ...params, cost: step.cost });
            expect(await settles.charge({ counterKey: key, algorithm, ...params, cost: step.cost })).toEqual({ remaining: expected.remaining, resetUs: expected.resetUs });
          } else if (step.kind === 'decide') {
            const request = { key, algorithm, ...params, cost: step.cost };
            const expected = twin.decideSync(request);
            expect(await counters.decide(request)).toEqual(expected);
            if (!expected.allowed || !step.record) continue;
            const nonce = `n${nonces.length}`;
            const expiresAtUs = await settles.record({ counterKey: key, nonce, algorithm, ...params, cost: step.cost });
            expect(expiresAtUs).toBe(decisionExpiryUs(algorithm, windowUs, now));
            records.set(nonce, { algorithm, params, estimatedCost: step.cost, decidedAtUs: now, expiresAtUs, actualCost: undefined });
            nonces.push(nonce);
          } else {
            const nonce = nonces.length === 0 ? 'never' : nonces[step.pick % nonces.length];
            const reply = await settles.settle({ counterKey: key, nonce, actualCost: step.actualCost });
            const record = records.get(nonce);
            if (record === undefined) {
              expect(reply).toMatchObject({ status: 'unknown', nowUs: now });
              continue;
            }
            const expected = twin.settle({ key, record, actualCost: step.actualCost });
            if (expected.record !== undefined) records.set(nonce, expected.record);
            const applied = expected.record ?? record;
            expect(reply).toEqual({ status: expected.status, remaining: expected.remaining, resetUs: expected.resetUs, estimatedCost: record.estimatedCost, actualCost: applied.actualCost, limit, nowUs: now });
          }
        }
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
