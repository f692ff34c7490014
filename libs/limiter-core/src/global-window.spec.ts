import fc from 'fast-check';
import { buildGlobalCounterKey, globalWindowStep, type GlobalWindowState } from './global-window';

const WINDOW_MS = 60_000;
const T0 = 1_700_000_040_000_000; // an aligned 60 s boundary, in microseconds
const startMs = (now: number): number => Math.floor(now / 1000 / WINDOW_MS) * WINDOW_MS;

describe('globalWindowStep', () => {
  it('admits up to the cap within one window, then denies until the window ends', () => {
    let state: GlobalWindowState | undefined;
    const decisions = [];
    for (let i = 0; i < 4; i++) {
      const now = T0 + i * 1_000_000;
      const result = globalWindowStep({ state, cap: 3, cost: 1, windowMs: WINDOW_MS, expectedStartMs: startMs(now), now });
      if (result.next !== undefined) state = result.next;
      decisions.push(result.decision);
    }
    expect(decisions.map((d) => [d.allowed, d.remaining, d.count])).toEqual([
      [true, 2, 1],
      [true, 1, 2],
      [true, 0, 3],
      [false, 0, 3],
    ]);
    expect(decisions[3].retryAfterUs).toBe(WINDOW_MS * 1000 - 3_000_000);
    expect(decisions.every((d) => d.matched && d.windowStartMs === T0 / 1000)).toBe(true);
  });

  it('answers a peek (cost 0) as allowed with the remaining and reset, writing nothing, even above a lowered cap', () => {
    const state: GlobalWindowState = [4, T0];
    const now = T0 + 1_000_000;
    const peek = globalWindowStep({ state, cap: 10, cost: 0, windowMs: WINDOW_MS, expectedStartMs: startMs(now), now });
    expect(peek.next).toBeUndefined();
    expect(peek.decision).toEqual({ allowed: true, remaining: 6, resetUs: WINDOW_MS * 1000 - 1_000_000, retryAfterUs: 0, windowStartMs: T0 / 1000, count: 4, matched: true });
    const lowered = globalWindowStep({ state, cap: 3, cost: 0, windowMs: WINDOW_MS, expectedStartMs: startMs(now), now });
    expect(lowered.decision).toMatchObject({ allowed: true, remaining: 0, retryAfterUs: 0, count: 4 });
    expect(globalWindowStep({ state, cap: 3, cost: 1, windowMs: WINDOW_MS, expectedStartMs: startMs(now), now }).decision.allowed).toBe(false);
  });

  it('starts every aligned window from zero', () => {
    const full: GlobalWindowState = [5, T0];
    const next = T0 + WINDOW_MS * 1000;
    const result = globalWindowStep({ state: full, cap: 5, cost: 2, windowMs: WINDOW_MS, expectedStartMs: next / 1000, now: next + 1 });
    expect(result.decision).toMatchObject({ allowed: true, count: 2, remaining: 3, windowStartMs: next / 1000 });
  });

  it('denies once the cap is lowered below the count, and never reports remaining below 0', () => {
    const result = globalWindowStep({ state: [7, T0], cap: 4, cost: 1, windowMs: WINDOW_MS, expectedStartMs: T0 / 1000, now: T0 + 10 });
    expect(result.decision).toMatchObject({ allowed: false, remaining: 0, count: 7 });
    expect(result.next).toBeUndefined();
  });

  it('counts nothing and says so when the cap was chosen for another window', () => {
    const result = globalWindowStep({ state: [2, T0], cap: 10, cost: 1, windowMs: WINDOW_MS, expectedStartMs: T0 / 1000 - WINDOW_MS, now: T0 + 5 });
    expect(result.decision).toEqual({ allowed: false, remaining: 0, resetUs: 0, retryAfterUs: 0, windowStartMs: T0 / 1000, count: 2, matched: false });
    expect(result.next).toBeUndefined();
  });

  it('a zero cap admits nothing', () => {
    const result = globalWindowStep({ state: undefined, cap: 0, cost: 1, windowMs: WINDOW_MS, expectedStartMs: T0 / 1000, now: T0 });
    expect(result.decision).toMatchObject({ allowed: false, remaining: 0, count: 0 });
  });

  it('never admits more than the cap in a window, whatever the costs and times (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000 }),
        fc.array(fc.record({ advanceUs: fc.integer({ min: 0, max: 5_000_000 }), cost: fc.integer({ min: 1, max: 50 }) }), { maxLength: 200 }),
        (cap, steps) => {
          let state: GlobalWindowState | undefined;
          let now = T0;
          const admittedPerWindow = new Map<number, number>();
          for (const step of steps) {
            now += step.advanceUs;
            const { decision, next } = globalWindowStep({ state, cap, cost: step.cost, windowMs: WINDOW_MS, expectedStartMs: startMs(now), now });
            if (next !== undefined) state = next;
            if (decision.allowed) admittedPerWindow.set(decision.windowStartMs, (admittedPerWindow.get(decision.windowStartMs) ?? 0) + step.cost);
            if (decision.remaining < 0 || decision.remaining > cap) return false;
          }
          return [...admittedPerWindow.values()].every((admitted) => admitted <= cap);
        },
      ),
    );
  });
});

describe('buildGlobalCounterKey', () => {
  it('keeps policy and identity in one hash tag, apart from the regional keys', () => {
    expect(buildGlobalCounterKey({ policyId: 'search', identity: 'user:42' })).toBe('rl:{search:user:42}:gw');
  });

  it('hashes unsafe identities', () => {
    expect(buildGlobalCounterKey({ policyId: 'p', identity: 'a}b{c' })).toMatch(/^rl:\{p:#[A-Za-z0-9_-]{22}\}:gw$/);
  });
});
