import { buildCounterKey, ManualClock } from '@rl/limiter-core';
import { LocalStoreBackend } from './local-store-backend';
import { MemoryDecisionStore } from './memory-decision-store';

const SECOND = 1_000_000;

describe('MemoryDecisionStore settlement', () => {
  const clock = new ManualClock(1_700_000_000_000_000);
  const store = new MemoryDecisionStore({ clock });
  const counterKey = buildCounterKey({ policyId: 'p', identity: 'u', algorithm: 'token_bucket' });
  const request = { key: counterKey, algorithm: 'token_bucket' as const, limit: 100, windowUs: 60 * SECOND, burst: 100, cost: 50 };

  it('is the local backend settlement port', () => {
    expect(new LocalStoreBackend({ store }).settlement).toBe(store);
    expect(new LocalStoreBackend({ store: { decide: () => Promise.reject(new Error('unused')) } }).settlement).toBeUndefined();
  });

  it('records, refunds once, then reports repeats and expiry', async () => {
    expect(await store.decide(request)).toMatchObject({ allowed: true, remaining: 50 });
    const expiresAtUs = await store.record({ counterKey, nonce: 'a', algorithm: 'token_bucket', limit: 100, windowUs: 60 * SECOND, burst: 100, cost: 50 });
    expect(expiresAtUs).toBe(clock.nowMicros() + 60 * SECOND);
    expect(await store.settle({ counterKey, nonce: 'a', actualCost: 20 })).toEqual({ status: 'settled', remaining: 80, resetUs: 12 * SECOND, estimatedCost: 50, actualCost: 20, limit: 100, nowUs: clock.nowMicros() });
    expect(await store.settle({ counterKey, nonce: 'a', actualCost: 0 })).toMatchObject({ status: 'repeated', remaining: 80, actualCost: 20 });
    expect(await store.settle({ counterKey, nonce: 'b', actualCost: 0 })).toMatchObject({ status: 'unknown' });
    clock.advanceMicros(60 * SECOND);
    expect(await store.settle({ counterKey, nonce: 'a', actualCost: 0 })).toMatchObject({ status: 'expired' });
    clock.advanceMicros(61 * SECOND);
    expect(await store.settle({ counterKey, nonce: 'a', actualCost: 0 })).toMatchObject({ status: 'unknown' });
  });

  it('charges without deciding, into debt', async () => {
    const key = buildCounterKey({ policyId: 'p', identity: 'charged', algorithm: 'fixed_window' });
    const limit = { algorithm: 'fixed_window' as const, limit: 10, windowUs: 60 * SECOND, burst: 10 };
    expect(await store.charge({ counterKey: key, ...limit, cost: 25 })).toMatchObject({ remaining: 0 });
    expect(await store.decide({ key, ...limit, cost: 1 })).toMatchObject({ allowed: false });
  });
});
