import type { Algorithm, LimitParams, RawDecision } from '../types';
import { fixedWindow, gcra, leakyBucket, slidingLog, slidingWindow, tokenBucket } from './index';

const SECOND = 1_000_000;
const T0 = 1_700_000_000_000_000; // an aligned instant: a multiple of every window used below

/** Runs a sequence of (advanceUs, cost) steps through an algorithm, carrying state like a store would. */
function run<S>(algorithm: Algorithm<S>, params: LimitParams, steps: ReadonlyArray<[number, number]>): RawDecision[] {
  let state: S | undefined;
  let now = T0;
  return steps.map(([advance, cost]) => {
    now += advance;
    const result = algorithm.step({ state, params, cost, now });
    if (result.next !== undefined) state = result.next;
    return result.decision;
  });
}

const allowedOf = (ds: RawDecision[]): boolean[] => ds.map((d) => d.allowed);

describe('token bucket', () => {
  const params = { limit: 10, windowUs: 10 * SECOND, burst: 5 };

  it('admits a burst of `burst`, then refills at limit/window', () => {
    const ds = run(tokenBucket, params, [[0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [SECOND, 1], [0, 1]]);
    expect(allowedOf(ds)).toEqual([true, true, true, true, true, false, true, false]);
    expect(ds[4].remaining).toBe(0);
    expect(ds[5].retryAfterUs).toBe(SECOND);
    expect(ds[0].resetUs).toBe(SECOND);
  });

  it('charges the cost and reports time to full refill', () => {
    const [d] = run(tokenBucket, params, [[0, 3]]);
    expect(d).toEqual({ allowed: true, remaining: 2, resetUs: 3 * SECOND, retryAfterUs: 0 });
  });

  it('never refills past the burst', () => {
    const ds = run(tokenBucket, params, [[0, 5], [3600 * SECOND, 5], [0, 1]]);
    expect(allowedOf(ds)).toEqual([true, true, false]);
  });

  it('does not refill twice when the clock steps backwards', () => {
    const ds = run(tokenBucket, params, [[0, 5], [-SECOND, 1], [SECOND, 1]]);
    expect(allowedOf(ds)).toEqual([true, false, false]);
  });
});

describe('gcra', () => {
  const params = { limit: 10, windowUs: 10 * SECOND, burst: 2 };

  it('admits `burst` at once and then one unit per emission interval', () => {
    const ds = run(gcra, params, [[0, 1], [0, 1], [0, 1], [SECOND - 1, 1], [1, 1]]);
    expect(allowedOf(ds)).toEqual([true, true, false, false, true]);
    expect(ds[2].retryAfterUs).toBe(SECOND);
    expect(ds[3].retryAfterUs).toBe(1);
  });

  it('admits exactly `limit` in a burst when burst = limit, despite summing fractional intervals', () => {
    const p = { limit: 100, windowUs: 60 * SECOND, burst: 100 };
    const ds = run(gcra, p, Array.from({ length: 101 }, () => [0, 1] as [number, number]));
    expect(ds.filter((d) => d.allowed)).toHaveLength(100);
    expect(ds[100].allowed).toBe(false);
  });
});

describe('leaky bucket', () => {
  const params = { limit: 4, windowUs: 4 * SECOND, burst: 2 };

  it('fills to capacity and drains at limit/window', () => {
    const ds = run(leakyBucket, params, [[0, 1], [0, 1], [0, 1], [SECOND, 1], [0, 1]]);
    expect(allowedOf(ds)).toEqual([true, true, false, true, false]);
    expect(ds[1].resetUs).toBe(2 * SECOND);
    expect(ds[2].retryAfterUs).toBe(SECOND);
  });
});

describe('fixed window', () => {
  const params = { limit: 3, windowUs: 10 * SECOND, burst: 3 };

  it('counts per aligned window and retries at the next window', () => {
    const ds = run(fixedWindow, params, [[0, 2], [SECOND, 1], [SECOND, 1], [8 * SECOND, 3]]);
    expect(allowedOf(ds)).toEqual([true, true, false, true]);
    expect(ds[2].retryAfterUs).toBe(8 * SECOND);
    expect(ds[1]).toEqual({ allowed: true, remaining: 0, resetUs: 9 * SECOND, retryAfterUs: 0 });
  });

  it('shows the boundary effect: 2 × limit across a boundary', () => {
    const ds = run(fixedWindow, params, [[9 * SECOND, 3], [SECOND, 3]]);
    expect(allowedOf(ds)).toEqual([true, true]);
  });
});

describe('sliding window counter', () => {
  const params = { limit: 10, windowUs: 10 * SECOND, burst: 10 };

  it('weights the previous window by its unelapsed fraction', () => {
    // 10 in window 0; at 50% into window 1 the estimate is 5, so 5 more fit.
    const ds = run(slidingWindow, params, [[0, 10], [15 * SECOND, 5], [0, 1]]);
    expect(allowedOf(ds)).toEqual([true, true, false]);
    // One unit is freed every second of window 1 (10 units over 10 s).
    expect(ds[2].retryAfterUs).toBe(SECOND);
  });

  it('forgets a window older than the previous one', () => {
    const ds = run(slidingWindow, params, [[0, 10], [25 * SECOND, 10]]);
    expect(allowedOf(ds)).toEqual([true, true]);
  });
});

describe('sliding window log', () => {
  const params = { limit: 3, windowUs: 10 * SECOND, burst: 3 };

  it('is exact: admits again when the oldest entry leaves the window', () => {
    const ds = run(slidingLog, params, [[0, 1], [2 * SECOND, 2], [SECOND, 1], [7 * SECOND - 1, 1], [1, 1]]);
    expect(allowedOf(ds)).toEqual([true, true, false, false, true]);
    expect(ds[2].retryAfterUs).toBe(7 * SECOND);
    expect(ds[3].retryAfterUs).toBe(1);
  });

  it('frees oldest-first until the cost fits', () => {
    const ds = run(slidingLog, params, [[0, 1], [SECOND, 1], [SECOND, 1], [0, 2]]);
    expect(ds[3].allowed).toBe(false);
    expect(ds[3].retryAfterUs).toBe(9 * SECOND);
  });
});
