import { ManualClock, type GlobalWindowDecision, type GlobalWindowRequest, type GlobalWindowStore } from '@rl/limiter-core';
import { StoreUnavailableError } from '@rl/redis-store';
import { DegradedGlobalLedger } from './degraded-global-ledger';
import { LocalGlobalWindowStore } from './global-window-stores';

const WINDOW_MS = 60_000;

describe('DegradedGlobalLedger', () => {
  const clock = new ManualClock(1_700_000_010_000_000); // 10 s into a 60 s window
  const start = Math.floor(clock.nowMicros() / 1000 / WINDOW_MS) * WINDOW_MS;
  const now = (): number => clock.nowMicros() / 1000;
  const count = async (store: GlobalWindowStore, key: string): Promise<number> =>
    (await store.decideGlobal({ algorithm: 'global_window', key, cap: 0, cost: 1, windowMs: WINDOW_MS, expectedStartMs: start })).count;

  it('adds the units admitted while degraded to the region count, beyond the cap if need be', async () => {
    const store = new LocalGlobalWindowStore({ clock });
    await store.decideGlobal({ algorithm: 'global_window', key: 'k', cap: 10, cost: 8, windowMs: WINDOW_MS, expectedStartMs: start });
    const ledger = new DegradedGlobalLedger({ maxKeys: 10 });
    ledger.record({ key: 'k', windowMs: WINDOW_MS, windowStartMs: start, units: 3 });
    ledger.record({ key: 'k', windowMs: WINDOW_MS, windowStartMs: start, units: 2 });
    ledger.record({ key: 'other', windowMs: WINDOW_MS, windowStartMs: start, units: 1 });
    expect(await ledger.writeBack(store, now())).toEqual({ written: 6, refused: 0, failed: 0 });
    expect(ledger.size).toBe(0);
    expect(await count(store, 'k')).toBe(13);
    // The region overspent its cap of 10: it now denies until the window ends.
    expect((await store.decideGlobal({ algorithm: 'global_window', key: 'k', cap: 10, cost: 1, windowMs: WINDOW_MS, expectedStartMs: start })).allowed).toBe(false);
  });

  it('drops the units of a window that has ended', async () => {
    const store = new LocalGlobalWindowStore({ clock });
    const ledger = new DegradedGlobalLedger({ maxKeys: 10 });
    ledger.record({ key: 'k', windowMs: WINDOW_MS, windowStartMs: start - WINDOW_MS, units: 4 });
    expect(await ledger.writeBack(store, now())).toEqual({ written: 0, refused: 4, failed: 0 });
    expect(await count(store, 'k')).toBe(0);
  });

  it('keeps what the store fails to take, for the next return', async () => {
    const failing: GlobalWindowStore = {
      decideGlobal: (_request: GlobalWindowRequest): Promise<GlobalWindowDecision> => Promise.reject(new StoreUnavailableError('down again', { cause: undefined })),
    };
    const ledger = new DegradedGlobalLedger({ maxKeys: 10 });
    ledger.record({ key: 'k', windowMs: WINDOW_MS, windowStartMs: start, units: 5 });
    expect(await ledger.writeBack(failing, now())).toEqual({ written: 0, refused: 0, failed: 5 });
    expect(ledger.size).toBe(1);
    const store = new LocalGlobalWindowStore({ clock });
    expect(await ledger.writeBack(store, now())).toEqual({ written: 5, refused: 0, failed: 0 });
  });

  it('holds at most maxKeys entries, dropping the oldest', () => {
    const dropped: number[] = [];
    const ledger = new DegradedGlobalLedger({ maxKeys: 2, onDrop: (units) => dropped.push(units) });
    for (const [key, units] of [['a', 1], ['b', 2], ['c', 3]] as const) ledger.record({ key, windowMs: WINDOW_MS, windowStartMs: start, units });
    expect(ledger.size).toBe(2);
    expect(dropped).toEqual([1]);
  });
});
