import type { LimitRequest, StackedDecision, StackedRequest } from '@rl/limiter-core';
import { DenyCache } from './deny-cache';

const request: LimitRequest = { key: 'rl:{p:u}:tb', algorithm: 'token_bucket', limit: 10, windowUs: 1_000_000, burst: 10, cost: 2 };
const denial = { allowed: false, remaining: 1, resetUs: 900_000, retryAfterUs: 100_000 };

describe('DenyCache', () => {
  it('denies the same key until the store said it would admit, measured from when the call was sent', () => {
    const cache = new DenyCache({ maxKeys: 10, maxHoldMs: 1_000 });
    expect(cache.put({ request, decision: denial, sentAtMs: 1_000, holdUs: denial.retryAfterUs })).toBe(100_000);
    expect(cache.get(request, 1_040)).toEqual({ allowed: false, remaining: 1, resetUs: 860_000, retryAfterUs: 60_000 });
    expect(cache.get(request, 1_100)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('holds only for a cost at least the denied one, and for the same limit, window, burst and algorithm', () => {
    const cache = new DenyCache({ maxKeys: 10, maxHoldMs: 1_000 });
    cache.put({ request, decision: denial, sentAtMs: 0, holdUs: 100_000 });
    expect(cache.get({ ...request, cost: 1 }, 10)).toBeUndefined();
    expect(cache.get({ ...request, cost: 3 }, 10)?.allowed).toBe(false);
    expect(cache.get({ ...request, limit: 20 }, 10)).toBeUndefined();
    // A mismatch drops the entry: the limit changed.
    expect(cache.get(request, 10)).toBeUndefined();
  });

  it('caps a hold at maxHoldMs and ignores admissions and empty holds', () => {
    const cache = new DenyCache({ maxKeys: 10, maxHoldMs: 50 });
    expect(cache.put({ request, decision: denial, sentAtMs: 0, holdUs: 10_000_000 })).toBe(50_000);
    // The hold ends at 50 ms, but the answer keeps the store's retry time (100 ms after sending).
    expect(cache.get(request, 49)?.retryAfterUs).toBe(51_000);
    expect(cache.get(request, 50)).toBeUndefined();
    expect(cache.put({ request, decision: { ...denial, allowed: true }, sentAtMs: 0, holdUs: 10_000 })).toBe(0);
    expect(cache.put({ request, decision: denial, sentAtMs: 0, holdUs: 0 })).toBe(0);
    expect(cache.size).toBe(0);
  });

  it("answers the store's true retry time less the time elapsed, never the cache's hold (limit 1 per 60 s)", () => {
    const cache = new DenyCache({ maxKeys: 10, maxHoldMs: 1_000 });
    const minute = { allowed: false, remaining: 0, resetUs: 60_000_000, retryAfterUs: 60_000_000 };
    cache.put({ request, decision: minute, sentAtMs: 5_000, holdUs: minute.retryAfterUs });
    expect(cache.get(request, 5_010)?.retryAfterUs).toBe(59_990_000);
    expect(cache.get(request, 5_999)?.retryAfterUs).toBe(59_001_000);
    // Past the hold the store decides again.
    expect(cache.get(request, 6_000)).toBeUndefined();
  });

  it('keeps at most maxKeys keys, dropping the least recently used', () => {
    const cache = new DenyCache({ maxKeys: 2, maxHoldMs: 1_000 });
    const key = (k: string): LimitRequest => ({ ...request, key: k });
    cache.put({ request: key('a'), decision: denial, sentAtMs: 0, holdUs: 100_000 });
    cache.put({ request: key('b'), decision: denial, sentAtMs: 0, holdUs: 100_000 });
    expect(cache.get(key('a'), 1)).toBeDefined();
    cache.put({ request: key('c'), decision: denial, sentAtMs: 0, holdUs: 100_000 });
    expect(cache.size).toBe(2);
    expect(cache.get(key('b'), 1)).toBeUndefined();
    expect(cache.get(key('a'), 1)).toBeDefined();
    expect(cache.get(key('c'), 1)).toBeDefined();
    cache.clear();
    expect(cache.get(key('a'), 1)).toBeUndefined();
  });
});

describe('DenyCache with stacked limits', () => {
  const stack: StackedRequest = {
    algorithm: 'stacked',
    key: 'rl:{p:u}:st',
    cost: 1,
    limits: [
      { key: 'rl:{p:u}:burst:tu', algorithm: 'token_bucket', limit: 10, windowUs: 1_000_000, burst: 10 },
      { key: 'rl:{p:u}:day:cw', algorithm: 'fixed_window', limit: 100, windowUs: 1, burst: 100, calendar: { startUs: 0, endUs: 86_400_000_000, nextEndUs: 172_800_000_000 } },
    ],
  };
  const stackDenial: StackedDecision = {
    allowed: false,
    remaining: 0,
    resetUs: 500_000,
    retryAfterUs: 400_000,
    constraining: 1,
    limits: [
      { allowed: true, remaining: 6, resetUs: 300_000, retryAfterUs: 0 },
      { allowed: false, remaining: 0, resetUs: 500_000, retryAfterUs: 400_000 },
    ],
  };

  it('remembers the denial with every limit, nearer by the time elapsed, for the same limits only', () => {
    const cache = new DenyCache({ maxKeys: 10, maxHoldMs: 1_000 });
    cache.put({ request: stack, decision: stackDenial, sentAtMs: 0, holdUs: stackDenial.retryAfterUs });
    expect(cache.get(stack, 100)).toEqual({
      allowed: false,
      remaining: 0,
      resetUs: 400_000,
      retryAfterUs: 300_000,
      constraining: 1,
      limits: [
        { allowed: true, remaining: 6, resetUs: 200_000, retryAfterUs: 0 },
        { allowed: false, remaining: 0, resetUs: 400_000, retryAfterUs: 300_000 },
      ],
    });
    const raised: StackedRequest = { ...stack, limits: [stack.limits[0], { ...stack.limits[1], limit: 200 }] };
    expect(cache.get(raised, 100)).toBeUndefined();
  });

  it.each([
    ['the burst of the limit that did not deny', { ...stack, limits: [{ ...stack.limits[0], burst: 20 }, stack.limits[1]] }],
    ['the denying limit’s window', { ...stack, limits: [stack.limits[0], { ...stack.limits[1], calendar: { startUs: 86_400_000_000, endUs: 172_800_000_000, nextEndUs: 259_200_000_000 } }] }],
    ['the denying limit’s algorithm', { ...stack, limits: [stack.limits[0], { ...stack.limits[1], algorithm: 'token_bucket' }] }],
    ['the number of limits', { ...stack, limits: [stack.limits[0]] }],
  ] as const)('does not answer for a stack after a change of %s', (_what, changed: StackedRequest) => {
    const cache = new DenyCache({ maxKeys: 10, maxHoldMs: 1_000 });
    cache.put({ request: stack, decision: stackDenial, sentAtMs: 0, holdUs: stackDenial.retryAfterUs });
    expect(cache.get(changed, 10)).toBeUndefined();
    // The mismatch dropped the entry: the old denial is not answered again either.
    expect(cache.get(stack, 10)).toBeUndefined();
  });
});
