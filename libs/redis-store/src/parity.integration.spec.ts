import fc from 'fast-check';
import { ALGORITHMS, buildCounterKey, maxCost, type AlgorithmName, type RawDecision } from '@rl/limiter-core';
import { argvClockPrelude, expectedDecisions, startRedisServer, TEST_VECTORS, type ExpectedStep, type RedisServerHandle, type TestVector } from '@rl/testing';
import { createRedisClient, waitForReady } from './connection';
import { parseDecisionReply } from './redis-counter-store';
import { ScriptRegistry, scriptKeys, type RedisClient } from './script-registry';

/**
 * TypeScript and Lua must decide identically: every shared vector is replayed through the Lua
 * script with the argv clock (exact times, including backward steps) and compared, step by step,
 * with limiter-core's step function.
 */

// Keys expire on the test's manual clock: the TypeScript replay drops a state once its PX has
// passed, and the harness deletes the Redis keys at the same step. The jitter keeps Redis from
// expiring anything on its own wall clock while a vector runs.
const TTL_JITTER_MS = 5_000;

let server: RedisServerHandle;
let client: RedisClient;
const registry = new ScriptRegistry({ clockPrelude: argvClockPrelude() });
let keyCounter = 0;

interface LuaStep {
  readonly decision: RawDecision;
  /** PTTL of every key the script was given, read right after the step. */
  readonly ttls: readonly number[];
}

async function replayInLua(vector: TestVector, expected: readonly ExpectedStep[]): Promise<LuaStep[]> {
  const key = buildCounterKey({ policyId: 'parity', identity: `vector-${keyCounter++}`, algorithm: vector.algorithm });
  const keys = scriptKeys(vector.algorithm, key);
  const steps: LuaStep[] = [];
  for (const { now, cost, params, expiredBefore } of expected) {
    if (expiredBefore) await client.del(...keys);
    const { limit, windowUs, burst } = params;
    const reply = await registry.run(client, { algorithm: vector.algorithm, keys, args: [limit, windowUs, burst, cost, TTL_JITTER_MS, now] });
    steps.push({ decision: parseDecisionReply(reply, vector.algorithm), ttls: await Promise.all(keys.map((k) => client.pttl(k))) });
  }
  return steps;
}

/** Decisions equal, step by step; every write sets the PX the TypeScript TTL implies (less the few ms the replay took). */
async function expectParity(vector: TestVector): Promise<void> {
  const started = Date.now();
  const expected = expectedDecisions(vector, { ttlJitterMs: TTL_JITTER_MS });
  const actual = await replayInLua(vector, expected);
  expect(actual.map((step, i) => ({ step: i, now: expected[i].now, decision: step.decision }))).toEqual(
    expected.map((e, i) => ({ step: i, now: e.now, decision: e.decision })),
  );
  const elapsedMs = Date.now() - started;
  actual.forEach((step, i) => {
    const expiryMs = expected[i].expiryMs;
    if (expiryMs === undefined) return;
    for (const ttl of step.ttls) {
      expect({ step: i, ttlWithinExpiry: ttl <= expiryMs && ttl >= expiryMs - elapsedMs - 5 }).toEqual({ step: i, ttlWithinExpiry: true });
    }
  });
}

beforeAll(async () => {
  server = await startRedisServer();
  client = createRedisClient({ url: server.url }, { commandTimeoutMs: 5_000 });
  await waitForReady(client, 10_000);
});

afterAll(async () => {
  client?.disconnect();
  await server?.stop();
});

describe('Lua twins decide exactly like the TypeScript algorithms', () => {
  it.each(TEST_VECTORS.map((vector) => [vector.name, vector] as const))('%s', async (_name, vector) => {
    await expectParity(vector);
  });

  const windows = [1_000, 50_000, 1_000_000, 60_000_000, 30 * 24 * 3600 * 1_000_000];
  const vectorOf = (algorithm: AlgorithmName) =>
    fc
      .record({
        limit: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 1_000_000_000 })),
        windowUs: fc.constantFrom(...windows),
        burstRatio: fc.double({ min: 0.05, max: 3, noNaN: true }),
        startOffset: fc.integer({ min: 0, max: 10_000_000 }),
        moves: fc.array(fc.record({ advance: fc.double({ min: -0.0001, max: 1.2, noNaN: true }), costShare: fc.double({ min: 0, max: 1, noNaN: true }) }), {
          minLength: 1,
          maxLength: 25,
        }),
      })
      .map(({ limit, windowUs, burstRatio, startOffset, moves }): TestVector => {
        const burst = Math.max(1, Math.round(limit * burstRatio));
        const ceiling = maxCost(algorithm, limit, burst);
        return {
          name: `${algorithm}: property`,
          algorithm,
          params: { limit, windowUs, burst },
          startUs: 1_700_000_000_000_000 + startOffset,
          steps: moves.map(({ advance, costShare }) => ({
            advanceUs: advance < 0 ? -1 - Math.floor(-advance * 50_000) : Math.floor(advance * windowUs * advance),
            cost: Math.max(1, Math.min(ceiling, Math.round(costShare * costShare * ceiling))),
          })),
        };
      });

  it.each(ALGORITHMS.map((a) => [a] as const))('%s: random sequences (fast-check)', async (algorithm) => {
    await fc.assert(
      fc.asyncProperty(vectorOf(algorithm), async (vector) => {
        await expectParity(vector);
      }),
      { numRuns: 60, seed: 20_240_601 },
    );
  });
});
