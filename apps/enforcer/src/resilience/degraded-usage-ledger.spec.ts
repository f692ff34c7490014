import { LocalLimiter, ManualClock, type CounterStore, type LimitRequest, type RawDecision } from '@rl/limiter-core';
import { StoreUnavailableError } from '@rl/redis-store';
import { DegradedUsageLedger } from './degraded-usage-ledger';

function request(key: string, overrides: Partial<LimitRequest> = {}): LimitRequest {
  return { key, algorithm: 'fixed_window', limit: 10, windowUs: 60_000_000, burst: 10, cost: 1, ...overrides };
}

describe('DegradedUsageLedger', () => {
  it('writes the units admitted locally into the store, in one call when they fit', async () => {
    const store = new LocalLimiter({ clock: new ManualClock() });
    const decide = jest.spyOn(store, 'decide');
    const ledger = new DegradedUsageLedger({ maxKeys: 10 });
    for (let i = 0; i < 4; i++) ledger.record(request('a'));
    await expect(ledger.writeBack(store)).resolves.toEqual({ written: 4, refused: 0, failed: 0 });
    expect(decide).toHaveBeenCalledTimes(1);
    expect(ledger.size).toBe(0);
    expect(store.decideSync(request('a')).remaining).toBe(5);
  });

  it('fills a counter that cannot take the whole cost, and counts the rest as refused', async () => {
    const store = new LocalLimiter({ clock: new ManualClock() });
    for (let i = 0; i < 7; i++) store.decideSync(request('a'));
    const ledger = new DegradedUsageLedger({ maxKeys: 10 });
    for (let i = 0; i < 5; i++) ledger.record(request('a'));
    await expect(ledger.writeBack(store)).resolves.toEqual({ written: 3, refused: 2, failed: 0 });
    expect(store.decideSync(request('a')).allowed).toBe(false);
  });

  it('caps a key at what its counter can hold, and drops the oldest key beyond maxKeys', () => {
    const dropped: number[] = [];
    const ledger = new DegradedUsageLedger({ maxKeys: 2, onDrop: (units) => dropped.push(units) });
    for (let i = 0; i < 50; i++) ledger.record(request('a'));
    ledger.record(request('b'));
    ledger.record(request('c'));
    expect(dropped).toEqual([20]);
    expect(ledger.size).toBe(2);
  });

  it('keeps what the store failed to take for the next write-back', async () => {
    const failing: CounterStore = { decide: (): Promise<RawDecision> => Promise.reject(new StoreUnavailableError('down', { cause: undefined })) };
    const ledger = new DegradedUsageLedger({ maxKeys: 10 });
    ledger.record(request('a', { cost: 3 }));
    await expect(ledger.writeBack(failing)).resolves.toEqual({ written: 0, refused: 0, failed: 3 });
    expect(ledger.size).toBe(1);
    const store = new LocalLimiter({ clock: new ManualClock() });
    await expect(ledger.writeBack(store)).resolves.toEqual({ written: 3, refused: 0, failed: 0 });
  });
});
