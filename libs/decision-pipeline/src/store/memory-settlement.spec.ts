import { buildCounterKey, buildStackKeys, ManualClock } from '@rl/limiter-core';
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

  it('records, settles and charges a stack on every limit, as settle/stack_*.lua do', async () => {
    const keys = buildStackKeys({
      policyId: 'p',
      identity: 'stacked',
      limits: [
        { name: 'minute', algorithm: 'token_bucket', calendar: false },
        { name: 'hour', algorithm: 'fixed_window', calendar: false },
      ],
    });
    const limits = [
      { counterKey: keys.limits[0], algorithm: 'token_bucket' as const, limit: 10, windowUs: 3_600 * SECOND, burst: 10, calendar: undefined },
      { counterKey: keys.limits[1], algorithm: 'fixed_window' as const, limit: 100, windowUs: 3_600 * SECOND, burst: 100, calendar: undefined },
    ];
    const stacked = store.stacked;
    await stacked.recordStack({ stackKey: keys.stack, nonce: 's', limits, cost: 3 });
    const call = { stackKey: keys.stack, counterKeys: keys.limits, nonce: 's' };
    expect(await stacked.settleStack({ ...call, actualCost: 7 })).toMatchObject({ status: 'settled', estimatedCost: 3, actualCost: 7, limits: [{ limit: 10, remaining: 6, open: true }, { limit: 100, remaining: 96, open: true }] });
    expect(await stacked.settleStack({ ...call, actualCost: 0 })).toMatchObject({ status: 'repeated', actualCost: 7 });
    expect(await stacked.settleStack({ ...call, counterKeys: [...keys.limits].reverse(), actualCost: 0 })).toMatchObject({ status: 'unknown', limits: [] });
    expect((await stacked.chargeStack({ limits, cost: 20 })).map((limit) => limit.remaining)).toEqual([0, 76]);
  });
});
