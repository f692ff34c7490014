import { type GlobalWindowRequest, type LimitRequest, ManualClock, type StackedRequest, StoreUnavailableError } from '@rl/limiter-core';
import { MemoryDecisionStore } from '../store/memory-decision-store';
import type { DecisionFor, DecisionStore, StoreRequest } from '../store-port';
import { DegradedLedger } from './degraded-ledger';

function request(key: string, overrides: Partial<LimitRequest> = {}): LimitRequest {
  return { key, algorithm: 'fixed_window', limit: 10, windowUs: 60_000_000, burst: 10, cost: 1, ...overrides };
}

const failing: DecisionStore = {
  decide: <R extends StoreRequest>(): Promise<DecisionFor<R>> => Promise.reject(new StoreUnavailableError('down again', { cause: undefined })),
};

/** Counts the store calls a MemoryDecisionStore gets. */
class CountingStore extends MemoryDecisionStore {
  calls = 0;

  override decide<R extends StoreRequest>(request: R): Promise<DecisionFor<R>> {
    this.calls += 1;
    return super.decide(request);
  }
}

describe('DegradedLedger: regional counters', () => {
  const clock = new ManualClock();
  const nowMs = clock.nowMicros() / 1000;

  it('writes the units admitted locally into the store, in one call when they fit', async () => {
    const store = new CountingStore({ clock });
    const ledger = new DegradedLedger({ maxKeys: 10 });
    for (let i = 0; i < 4; i++) ledger.record(request('a'));
    await expect(ledger.writeBack(store, nowMs)).resolves.toEqual({ written: 4, refused: 0, failed: 0 });
    expect(store.calls).toBe(1);
    expect(ledger.size).toBe(0);
    expect(store.decideSync(request('a')).remaining).toBe(5);
  });

  it('fills a counter that cannot take the whole cost, and counts the rest as refused', async () => {
    const store = new MemoryDecisionStore({ clock: new ManualClock() });
    for (let i = 0; i < 7; i++) store.decideSync(request('a'));
    const ledger = new DegradedLedger({ maxKeys: 10 });
    for (let i = 0; i < 5; i++) ledger.record(request('a'));
    await expect(ledger.writeBack(store, nowMs)).resolves.toEqual({ written: 3, refused: 2, failed: 0 });
    expect(store.decideSync(request('a')).allowed).toBe(false);
  });

  it('caps a key at what its counter can hold, and drops the least recently used beyond maxKeys', () => {
    const dropped: number[] = [];
    const ledger = new DegradedLedger({ maxKeys: 2, onDrop: (units) => dropped.push(units) });
    for (let i = 0; i < 50; i++) ledger.record(request('a'));
    ledger.record(request('b'));
    ledger.record(request('c'));
    expect(dropped).toEqual([20]);
    expect(ledger.size).toBe(2);
  });

  it('keeps what the store failed to take for the next write-back', async () => {
    const ledger = new DegradedLedger({ maxKeys: 10 });
    ledger.record(request('a', { cost: 3 }));
    await expect(ledger.writeBack(failing, nowMs)).resolves.toEqual({ written: 0, refused: 0, failed: 3 });
    expect(ledger.size).toBe(1);
    const store = new MemoryDecisionStore({ clock: new ManualClock() });
    await expect(ledger.writeBack(store, nowMs)).resolves.toEqual({ written: 3, refused: 0, failed: 0 });
  });
});

describe('DegradedLedger: global windows', () => {
  const WINDOW_MS = 60_000;
  const clock = new ManualClock(1_700_000_010_000_000); // 10 s into a 60 s window
  const start = Math.floor(clock.nowMicros() / 1000 / WINDOW_MS) * WINDOW_MS;
  const now = (): number => clock.nowMicros() / 1000;
  const window = (key: string, cap: number, cost: number, expectedStartMs = start): GlobalWindowRequest => ({
    algorithm: 'global_window',
    key,
    cap,
    cost,
    windowMs: WINDOW_MS,
    expectedStartMs,
  });
  const count = async (store: DecisionStore, key: string): Promise<number> => (await store.decide(window(key, 0, 1))).count;

  it('adds the units admitted while degraded to the region count, beyond the cap if need be', async () => {
    const store = new MemoryDecisionStore({ clock });
    await store.decide(window('k', 10, 8));
    const ledger = new DegradedLedger({ maxKeys: 10 });
    ledger.record(window('k', 10, 3));
    ledger.record(window('k', 10, 2));
    ledger.record(window('other', 10, 1));
    expect(await ledger.writeBack(store, now())).toEqual({ written: 6, refused: 0, failed: 0 });
    expect(ledger.size).toBe(0);
    expect(await count(store, 'k')).toBe(13);
    // The region overspent its cap of 10: it now denies until the window ends.
    expect((await store.decide(window('k', 10, 1))).allowed).toBe(false);
  });

  it('drops the units of a window that has ended', async () => {
    const store = new MemoryDecisionStore({ clock });
    const ledger = new DegradedLedger({ maxKeys: 10 });
    ledger.record(window('k', 10, 4, start - WINDOW_MS));
    expect(await ledger.writeBack(store, now())).toEqual({ written: 0, refused: 4, failed: 0 });
    expect(await count(store, 'k')).toBe(0);
  });

  it('keeps what the store fails to take, for the next return', async () => {
    const ledger = new DegradedLedger({ maxKeys: 10 });
    ledger.record(window('k', 10, 5));
    expect(await ledger.writeBack(failing, now())).toEqual({ written: 0, refused: 0, failed: 5 });
    expect(ledger.size).toBe(1);
    const store = new MemoryDecisionStore({ clock });
    expect(await ledger.writeBack(store, now())).toEqual({ written: 5, refused: 0, failed: 0 });
  });

  it('holds the windows of one key apart, and regional and global entries side by side', () => {
    const ledger = new DegradedLedger({ maxKeys: 10 });
    ledger.record(window('k', 10, 1));
    ledger.record(window('k', 10, 1, start + WINDOW_MS));
    ledger.record(request('k'));
    expect(ledger.size).toBe(3);
  });
});

describe('DegradedLedger: stacked limits', () => {
  it('writes a stack back all or nothing, capped at what its smallest limit can hold', async () => {
    const clock = new ManualClock();
    const stack: StackedRequest = {
      algorithm: 'stacked',
      key: 'rl:{p:u}:st',
      cost: 1,
      limits: [request('rl:{p:u}:minute:fw', { limit: 3, burst: 3 }), request('rl:{p:u}:day:fw', { limit: 100, burst: 100, windowUs: 86_400_000_000 })],
    };
    const store = new CountingStore({ clock });
    const ledger = new DegradedLedger({ maxKeys: 10 });
    for (let i = 0; i < 8; i++) ledger.record(stack);
    // Capped at 6 (3 + 3); the minute takes 3, the rest is refused, and the day counts what the minute took.
    await expect(ledger.writeBack(store, clock.nowMicros() / 1000)).resolves.toEqual({ written: 3, refused: 3, failed: 0 });
    expect(store.decideSync({ ...stack.limits[1], cost: 0, dryRun: true }).remaining).toBe(97);
  });

  it('writes a stack\'s global limits back beyond the region\'s cap, as a global key\'s units are', async () => {
    const clock = new ManualClock();
    const windowStartMs = Math.floor(clock.nowMicros() / 1000 / 60_000) * 60_000;
    const stack: StackedRequest = {
      algorithm: 'stacked',
      key: 'rl:{p:v}:st',
      cost: 1,
      limits: [request('rl:{p:v}:burst:fw', { limit: 50, burst: 50 }), { ...request('rl:{p:v}:minute:gw', { limit: 2, burst: 2 }), global: { expectedStartMs: windowStartMs } }],
    };
    const store = new CountingStore({ clock });
    const ledger = new DegradedLedger({ maxKeys: 10 });
    for (let i = 0; i < 5; i++) ledger.record(stack);
    // 5 admitted locally against a cap of 2: all 5 are counted (the region overspent its share), capped by the burst only.
    await expect(ledger.writeBack(store, clock.nowMicros() / 1000)).resolves.toEqual({ written: 5, refused: 0, failed: 0 });
    expect(store.decideSync({ ...stack.limits[0], cost: 0, dryRun: true }).remaining).toBe(45);
  });
});
