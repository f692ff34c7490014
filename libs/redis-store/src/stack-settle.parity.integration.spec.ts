import fc from 'fast-check';
import { buildStackKeys, LocalLimiter, ManualClock, type CalendarBounds, type SettleableAlgorithm, type StackedDecision, type StackedDecisionRecord, type StackedRequest } from '@rl/limiter-core';
import { argvClockPrelude, startRedisTopology } from '@rl/testing';
import { createRedisClient, waitForReady } from './connection';
import { RedisCounterStore } from './redis-counter-store';
import { ScriptRegistry, type RedisClient } from './script-registry';
import { RedisSettleStore, type SettleableStackLimit } from './settle-store';

/**
 * settle/stack_record.lua, settle/stack_settle.lua and settle/stack_charge.lua on a standalone
 * redis-server and on a 3-master Cluster (every key of a stack shares its hash tag): stacked
 * settles charge, refund (never above a limit), run limits into debt, repeat idempotently, and
 * answer unknown and expired decisions without a change; and they agree step by step with their
 * TypeScript twin in limiter-core (settle/stack-settle.ts through LocalLimiter) on random
 * sequences of decisions, records, settles and charges, calendar windows included. Times are exact
 * (the argv clock).
 */

const T0 = 1_700_000_040_123_456;
const SECOND = 1_000_000;
const HOUR = 3_600 * SECOND;

let now = T0;
const prelude = argvClockPrelude();
const clockArgs = (): readonly number[] => [now];

interface LimitSpec {
  readonly name: string;
  readonly algorithm: SettleableAlgorithm;
  readonly limit: number;
  readonly windowUs: number;
  readonly calendar?: CalendarBounds;
}

/** A stack's keys and limits for one identity, as the enforcer builds them (buildStackKeys). */
function stackOf(identity: string, specs: readonly LimitSpec[]): { stackKey: string; limits: SettleableStackLimit[]; request: (cost: number) => StackedRequest } {
  const keys = buildStackKeys({ policyId: 'stack-settle', identity, limits: specs.map((spec) => ({ name: spec.name, algorithm: spec.algorithm, calendar: spec.calendar !== undefined })) });
  const limits = specs.map((spec, index) => ({ counterKey: keys.limits[index], algorithm: spec.algorithm, limit: spec.limit, windowUs: spec.windowUs, burst: spec.limit, calendar: spec.calendar }));
  const request = (cost: number): StackedRequest => ({
    algorithm: 'stacked',
    key: keys.stack,
    cost,
    limits: limits.map((limit) => ({ key: limit.counterKey, algorithm: limit.algorithm, limit: limit.limit, windowUs: limit.windowUs, burst: limit.burst, calendar: limit.calendar })),
  });
  return { stackKey: keys.stack, limits, request };
}

describe.each(['standalone', 'cluster'] as const)('stacked settle on %s', (topology) => {
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
    // An hour of TTL jitter on every write: no key expires in real time while the argv clock stands still.
    counters = new RedisCounterStore({ client, registry, jitterMs: () => 3_600_000, jitterSpanMs: 3_600_001 });
    settles = new RedisSettleStore({ client, clockPrelude: prelude, clockArgs, jitterMs: () => 3_600_000 });
    await settles.load();
  }, 60_000);

  afterAll(async () => {
    client?.disconnect();
    await stop?.();
  });

  const decide = async (request: StackedRequest): Promise<StackedDecision> => {
    const [decision] = await counters.decideMany([request]);
    if (decision instanceof Error || !('limits' in decision)) throw new Error(`not a stacked decision: ${String(decision)}`);
    return decision;
  };

  /** A stack of a token bucket (10 per minute), a fixed window (100 per hour) and a calendar window (1000 in the day holding now). */
  const planStack = () => {
    now = Math.floor(T0 / HOUR) * HOUR + 10 * SECOND;
    const dayStart = now - 10 * SECOND - 5 * HOUR;
    const calendar = { startUs: dayStart, endUs: dayStart + 24 * HOUR, nextEndUs: dayStart + 48 * HOUR };
    return stackOf(`${topology}-${sequence++}`, [
      { name: 'burst', algorithm: 'token_bucket', limit: 10, windowUs: 60 * SECOND },
      { name: 'hour', algorithm: 'fixed_window', limit: 100, windowUs: HOUR },
      { name: 'day', algorithm: 'fixed_window', limit: 1_000, windowUs: 24 * HOUR, calendar },
    ]);
  };
  const remainingOf = (decision: StackedDecision): number[] => decision.limits.map((limit) => limit.remaining);

  it('charges the difference on every limit, once: a repeat changes nothing', async () => {
    const stack = planStack();
    expect((await decide(stack.request(4))).allowed).toBe(true);
    const expiresAtUs = await settles.recordStack({ stackKey: stack.stackKey, nonce: 'a', limits: stack.limits, cost: 4 });
    // The latest limit's expiry: the end of the calendar day.
    expect(expiresAtUs).toBe(stack.limits[2].calendar?.endUs);
    const call = { stackKey: stack.stackKey, counterKeys: stack.limits.map((limit) => limit.counterKey), nonce: 'a' };
    const settled = await settles.settleStack({ ...call, actualCost: 9 });
    expect(settled).toMatchObject({ status: 'settled', estimatedCost: 4, actualCost: 9, nowUs: now });
    expect(settled.limits.map((limit) => [limit.remaining, limit.limit, limit.open])).toEqual([
      [1, 10, true],
      [91, 100, true],
      [991, 1_000, true],
    ]);
    const repeated = await settles.settleStack({ ...call, actualCost: 0 });
    expect(repeated).toMatchObject({ status: 'repeated', actualCost: 9 });
    expect(repeated.limits.map((limit) => limit.remaining)).toEqual([1, 91, 991]);
    expect(remainingOf(await decide(stack.request(1)))).toEqual([0, 90, 990]);
  });

  it('refunds without lifting any limit above its limit', async () => {
    const stack = planStack();
    await decide(stack.request(4));
    await settles.recordStack({ stackKey: stack.stackKey, nonce: 'r', limits: stack.limits, cost: 4 });
    // 30 s later the bucket has drained 5 of the 4 it took: a refund of 4 finds nothing to give back there.
    now += 30 * SECOND;
    const refunded = await settles.settleStack({ stackKey: stack.stackKey, counterKeys: stack.limits.map((limit) => limit.counterKey), nonce: 'r', actualCost: 0 });
    expect(refunded.status).toBe('settled');
    expect(refunded.limits.map((limit) => limit.remaining)).toEqual([10, 100, 1_000]);
    expect(refunded.limits.every((limit) => limit.resetUs === 0)).toBe(true);
  });

  it('runs every limit into debt that later requests pay off, and charges without deciding', async () => {
    const stack = planStack();
    await decide(stack.request(2));
    await settles.recordStack({ stackKey: stack.stackKey, nonce: 'd', limits: stack.limits, cost: 2 });
    const settled = await settles.settleStack({ stackKey: stack.stackKey, counterKeys: stack.limits.map((limit) => limit.counterKey), nonce: 'd', actualCost: 25 });
    expect(settled.limits.map((limit) => limit.remaining)).toEqual([0, 75, 975]);
    // 25 used of a 10-unit bucket draining 10 per minute: 150 s until it is empty again.
    expect(settled.limits[0].resetUs).toBe(150 * SECOND);
    const denied = await decide(stack.request(1));
    expect(denied.allowed).toBe(false);
    expect(denied.constraining).toBe(0);
    expect(remainingOf(denied)).toEqual([0, 75, 975]);
    const charged = await settles.chargeStack({ limits: stack.limits, cost: 80 });
    expect(charged.map((limit) => limit.remaining)).toEqual([0, 0, 895]);
    now += 2 * HOUR;
    expect(remainingOf(await decide(stack.request(1)))).toEqual([9, 99, 894]);
  });

  it('answers an unknown decision, or one naming other counters, without a change', async () => {
    const stack = planStack();
    await decide(stack.request(3));
    await settles.recordStack({ stackKey: stack.stackKey, nonce: 'k', limits: stack.limits, cost: 3 });
    const counterKeys = stack.limits.map((limit) => limit.counterKey);
    expect(await settles.settleStack({ stackKey: stack.stackKey, counterKeys, nonce: 'never', actualCost: 9 })).toEqual({ status: 'unknown', estimatedCost: 0, actualCost: undefined, nowUs: now, limits: [] });
    const swapped = [counterKeys[1], counterKeys[0], counterKeys[2]];
    expect((await settles.settleStack({ stackKey: stack.stackKey, counterKeys: swapped, nonce: 'k', actualCost: 9 })).status).toBe('unknown');
    expect((await settles.settleStack({ stackKey: stack.stackKey, counterKeys: counterKeys.slice(0, 2), nonce: 'k', actualCost: 9 })).status).toBe('unknown');
    expect(remainingOf(await decide(stack.request(1)))).toEqual([6, 96, 996]);
  });

  it('settles only the limits whose window is still open, and nothing once every one is over', async () => {
    const stack = planStack();
    await decide(stack.request(5));
    const expiresAtUs = await settles.recordStack({ stackKey: stack.stackKey, nonce: 'e', limits: stack.limits, cost: 5 });
    await decide(stack.request(1));
    await settles.recordStack({ stackKey: stack.stackKey, nonce: 'late', limits: stack.limits, cost: 1 });
    const counterKeys = stack.limits.map((limit) => limit.counterKey);
    // Past the bucket's minute, inside the hour and the day: the bucket is left as it is.
    now += 61 * SECOND;
    const partial = await settles.settleStack({ stackKey: stack.stackKey, counterKeys, nonce: 'e', actualCost: 8 });
    expect(partial.status).toBe('settled');
    expect(partial.limits.map((limit) => [limit.remaining, limit.open])).toEqual([
      [10, false],
      [91, true],
      [991, true],
    ]);
    // At the end of the day every limit's window is over: nothing changes.
    now = expiresAtUs;
    const before = remainingOf(await decide(stack.request(0)));
    const late = await settles.settleStack({ stackKey: stack.stackKey, counterKeys, nonce: 'late', actualCost: 50 });
    expect(late).toMatchObject({ status: 'expired', actualCost: undefined });
    expect(late.limits.map((limit) => [limit.remaining, limit.open])).toEqual(before.map((remaining) => [remaining, false]));
    expect(remainingOf(await decide(stack.request(0)))).toEqual(before);
  });

  type Op = { kind: 'decide'; cost: number; record: boolean } | { kind: 'settle'; pick: number; actualCost: number } | { kind: 'charge'; cost: number } | { kind: 'advance'; fraction: number; pick: number };
  // Weighted towards recorded decisions and settles, so that runs settle often, with limits open and closed.
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('decide' as const), cost: fc.integer({ min: 1, max: 4 }), record: fc.boolean() }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('settle' as const), pick: fc.nat(), actualCost: fc.integer({ min: 0, max: 12 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('charge' as const), cost: fc.integer({ min: 1, max: 8 }) }) },
    // A fraction of one limit's window (picked): short steps that close a short window and leave a long one open, and long ones.
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), fraction: fc.double({ min: 0, max: 1.5, noNaN: true }), pick: fc.nat() }) },
  );
  const algorithm = fc.constantFrom<SettleableAlgorithm | 'calendar'>('token_bucket', 'gcra', 'leaky_bucket', 'fixed_window', 'calendar');

  it('agrees step by step with the TypeScript twin (recordStackLimit, settleStackStep, adjustStackLimit through LocalLimiter)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(algorithm, fc.integer({ min: 5, max: 12 }), fc.constantFrom(SECOND, 60 * SECOND, HOUR), fc.double({ min: 0, max: 0.99, noNaN: true })), { minLength: 1, maxLength: 3 }),
        fc.array(op, { minLength: 10, maxLength: 30, size: 'max' }),
        async (shape, ops) => {
          now = T0 + sequence * 7_919;
          const clock = new ManualClock(now);
          const twin = new LocalLimiter({ clock });
          // A calendar window of its length, `into` of the way through at the start: it rolls over as time advances.
          const specs = shape.map(([kind, limit, windowUs, into], index): LimitSpec => {
            if (kind !== 'calendar') return { name: `l${index}`, algorithm: kind, limit, windowUs };
            const startUs = now - Math.floor(into * windowUs);
            return { name: `l${index}`, algorithm: 'fixed_window', limit, windowUs, calendar: { startUs, endUs: startUs + windowUs, nextEndUs: startUs + 2 * windowUs } };
          });
          const stack = stackOf(`${topology}-p${sequence++}`, specs);
          const counterKeys = stack.limits.map((limit) => limit.counterKey);
          const keyed = stack.limits.map((limit) => ({ key: limit.counterKey, algorithm: limit.algorithm, params: { limit: limit.limit, windowUs: limit.windowUs, burst: limit.burst }, calendar: limit.calendar }));
          const records = new Map<string, StackedDecisionRecord>();
          const nonces: string[] = [];
          for (const step of ops) {
            clock.set(now);
            if (step.kind === 'advance') {
              now += Math.floor(step.fraction * specs[step.pick % specs.length].windowUs);
            } else if (step.kind === 'charge') {
              const expected = twin.chargeStack({ limits: keyed, cost: step.cost });
              expect(await settles.chargeStack({ limits: stack.limits, cost: step.cost })).toEqual(expected.map(({ remaining, resetUs }) => ({ remaining, resetUs })));
            } else if (step.kind === 'decide') {
              const expected = twin.decideStackedSync(stack.request(step.cost));
              expect(await decide(stack.request(step.cost))).toEqual(expected);
              if (!expected.allowed || !step.record) continue;
              const nonce = `n${nonces.length}`;
              const record = twin.recordStack({ limits: keyed, cost: step.cost });
              expect(await settles.recordStack({ stackKey: stack.stackKey, nonce, limits: stack.limits, cost: step.cost })).toBe(record.expiresAtUs);
              records.set(nonce, record);
              nonces.push(nonce);
            } else {
              const nonce = nonces.length === 0 ? 'never' : nonces[step.pick % nonces.length];
              const reply = await settles.settleStack({ stackKey: stack.stackKey, counterKeys, nonce, actualCost: step.actualCost });
              const record = records.get(nonce);
              if (record === undefined) {
                expect(reply).toMatchObject({ status: 'unknown', nowUs: now, limits: [] });
                continue;
              }
              const expected = twin.settleStack({ keys: counterKeys, record, actualCost: step.actualCost });
              if (expected.record !== undefined) records.set(nonce, expected.record);
              const limits = expected.limits.map((limit, index) => ({ remaining: limit.remaining, resetUs: limit.resetUs, limit: record.limits[index].params.limit, open: limit.open }));
              expect(reply).toEqual({ status: expected.status, estimatedCost: record.estimatedCost, actualCost: (expected.record ?? record).actualCost, nowUs: now, limits });
            }
          }
        },
      ),
      {
        numRuns: 40,
        // Always run too: a settle after the one-second bucket's window closed, the calendar minute's still open (one limit settled, not the other).
        examples: [
          [
            [
              ['token_bucket', 10, SECOND, 0],
              ['calendar', 10, 60 * SECOND, 0.1],
            ],
            [
              { kind: 'decide', cost: 3, record: true },
              { kind: 'advance', fraction: 1.2, pick: 0 },
              { kind: 'settle', pick: 0, actualCost: 9 },
              { kind: 'decide', cost: 4, record: true },
              { kind: 'settle', pick: 1, actualCost: 0 },
              { kind: 'advance', fraction: 1, pick: 1 },
              { kind: 'settle', pick: 1, actualCost: 5 },
              { kind: 'charge', cost: 6 },
              { kind: 'decide', cost: 2, record: false },
            ],
          ],
        ],
      },
    );
  }, 180_000);
});
