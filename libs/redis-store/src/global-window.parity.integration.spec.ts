import fc from 'fast-check';
import { buildGlobalCounterKey, globalWindowStep, type GlobalWindowDecision, type GlobalWindowState } from '@rl/limiter-core';
import { argvClockPrelude, startRedisServer, type RedisServerHandle } from '@rl/testing';
import { createRedisClient, waitForReady } from './connection';
import { parseGlobalWindowReply, RedisCounterStore } from './redis-counter-store';
import { ScriptRegistry, type RedisClient } from './script-registry';

/**
 * global_window.lua and limiter-core's globalWindowStep must decide identically: request sequences
 * (caps that move up and down, costs, window boundaries, caps chosen for the wrong window) are
 * replayed through the script with the argv clock and through the TypeScript twin, step by step.
 * Then the script with the real Redis TIME clock: concurrent decisions never admit more than the cap.
 */

const TTL_JITTER_MS = 5_000;
const T0 = 1_700_000_040_123_456;

interface Step {
  readonly advanceUs: number;
  readonly cost: number;
  readonly cap: number;
  /** -1, 0 or 1: the cap is offered for the previous, the current or the next window. */
  readonly windowShift: number;
}

interface Vector {
  readonly name: string;
  readonly windowMs: number;
  readonly steps: readonly Step[];
}

interface Expected {
  readonly now: number;
  readonly expectedStartMs: number;
  readonly expiredBefore: boolean;
  readonly decision: GlobalWindowDecision;
  readonly expiryMs: number | undefined;
}

function expectedOf(vector: Vector): Expected[] {
  let state: { value: GlobalWindowState; expiresAtMs: number } | undefined;
  let now = T0;
  const out: Expected[] = [];
  for (const step of vector.steps) {
    now += step.advanceUs;
    const expiredBefore = state !== undefined && Math.floor(now / 1000) > state.expiresAtMs;
    if (expiredBefore) state = undefined;
    const windowUs = vector.windowMs * 1000;
    const expectedStartMs = (Math.floor(now / windowUs) * windowUs) / 1000 + step.windowShift * vector.windowMs;
    const result = globalWindowStep({ state: state?.value, cap: step.cap, cost: step.cost, windowMs: vector.windowMs, expectedStartMs, now });
    let expiryMs: number | undefined;
    if (result.next !== undefined) {
      expiryMs = Math.max(1, Math.ceil(result.ttlUs / 1000) + TTL_JITTER_MS);
      state = { value: result.next, expiresAtMs: Math.floor(now / 1000) + expiryMs };
    }
    out.push({ now, expectedStartMs, expiredBefore, decision: { ...result.decision, remaining: result.decision.remaining + 0 }, expiryMs });
  }
  return out;
}

let server: RedisServerHandle;
let client: RedisClient;
const registry = new ScriptRegistry({ clockPrelude: argvClockPrelude() });
let keyCounter = 0;

async function expectParity(vector: Vector): Promise<void> {
  const key = buildGlobalCounterKey({ policyId: 'parity', identity: `global-${keyCounter++}` });
  const expected = expectedOf(vector);
  const started = Date.now();
  const actual: { decision: GlobalWindowDecision; ttl: number }[] = [];
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    if (e.expiredBefore) await client.del(key);
    const step = vector.steps[i];
    const reply = await registry.runGlobalWindow(client, { keys: [key], args: [step.cap, vector.windowMs, step.cost, TTL_JITTER_MS, e.expectedStartMs, e.now] });
    actual.push({ decision: parseGlobalWindowReply(reply), ttl: await client.pttl(key) });
  }
  expect(actual.map((a, i) => ({ step: i, decision: a.decision }))).toEqual(expected.map((e, i) => ({ step: i, decision: e.decision })));
  const elapsedMs = Date.now() - started;
  actual.forEach((a, i) => {
    const expiryMs = expected[i].expiryMs;
    if (expiryMs === undefined) return;
    expect({ step: i, ttlWithinExpiry: a.ttl <= expiryMs && a.ttl >= expiryMs - elapsedMs - 5 }).toEqual({ step: i, ttlWithinExpiry: true });
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

const s = (advanceUs: number, cost: number, cap: number, windowShift = 0): Step => ({ advanceUs, cost, cap, windowShift });

const VECTORS: Vector[] = [
  { name: 'fills the cap, denies, next window starts from zero', windowMs: 1_000, steps: [s(0, 1, 3), s(1, 1, 3), s(1, 1, 3), s(1, 1, 3), s(1_000_000, 1, 3), s(0, 3, 3)] },
  { name: 'a raised cap admits more in the same window', windowMs: 60_000, steps: [s(0, 2, 2), s(10, 1, 2), s(10, 1, 5), s(10, 3, 5), s(10, 2, 5)] },
  { name: 'a cap lowered below the count denies', windowMs: 60_000, steps: [s(0, 4, 10), s(5, 1, 3), s(5, 1, 4), s(5, 1, 5), s(5, 1, 5)] },
  { name: 'a cap for another window counts nothing', windowMs: 1_000, steps: [s(0, 1, 5), s(5, 1, 5, -1), s(5, 1, 5, 1), s(5, 1, 5), s(999_000, 1, 5, -1), s(1, 1, 5)] },
  { name: 'zero cap and cost above the cap', windowMs: 1_000, steps: [s(0, 1, 0), s(1, 7, 6), s(1, 6, 6), s(1, 1, 6)] },
  { name: 'a 30-day window', windowMs: 30 * 24 * 3_600_000, steps: [s(0, 1_000, 1_000_000_000), s(3_600_000_000, 999_999_000, 1_000_000_000), s(1, 1, 1_000_000_000)] },
];

describe('global_window.lua decides exactly like globalWindowStep', () => {
  it.each(VECTORS.map((v) => [v.name, v] as const))('%s', async (_name, vector) => {
    await expectParity(vector);
  });

  it('random sequences (fast-check)', async () => {
    const vector = fc.record({
      windowMs: fc.constantFrom(1, 50, 1_000, 60_000, 3_600_000),
      steps: fc.array(
        fc.record({
          advanceUs: fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 90_000_000 })),
          cost: fc.integer({ min: 1, max: 20 }),
          cap: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 1_000_000_000 })),
          windowShift: fc.constantFrom(0, 0, 0, 0, -1, 1),
        }),
        { minLength: 1, maxLength: 25 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(vector, async ({ windowMs, steps }) => {
        await expectParity({ name: 'property', windowMs, steps });
      }),
      { numRuns: 80, seed: 20_261_130 },
    );
  });
});

describe('global_window.lua with Redis TIME', () => {
  it('admits exactly the cap under 200 concurrent decisions, in the window Redis reports', async () => {
    const store = new RedisCounterStore({ client });
    const windowMs = 3_600_000;
    const key = buildGlobalCounterKey({ policyId: 'atomic', identity: 'burst' });
    const startMs = Math.floor(Date.now() / windowMs) * windowMs;
    const decisions = await Promise.all(Array.from({ length: 200 }, () => store.decideGlobal({ algorithm: 'global_window', key, cap: 37, cost: 1, windowMs, expectedStartMs: startMs })));
    // Unless the hour turned during the burst, every decision was counted in startMs's window.
    const matched = decisions.filter((d) => d.matched);
    expect(matched.length).toBeGreaterThan(0);
    const inWindow = matched.filter((d) => d.windowStartMs === startMs);
    expect(inWindow.filter((d) => d.allowed)).toHaveLength(Math.min(37, inWindow.length));
    expect(Math.max(...inWindow.map((d) => d.count))).toBe(Math.min(37, inWindow.length));
    const ttl = await client.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(startMs + windowMs - Date.now() + 1_000 + 50);
  });
});
