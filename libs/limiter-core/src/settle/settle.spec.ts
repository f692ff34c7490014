import fc from 'fast-check';
import { fixedWindow } from '../algorithms/fixed-window';
import { tokenBucket } from '../algorithms/token-bucket';
import { ManualClock } from '../clock';
import { LocalLimiter } from '../limiter';
import { decisionExpiryUs, decisionRecordKey, isSettleable, recordExpiryUs, settleStep, type DecisionRecord, type SettleableAlgorithm } from './settle';

const SECOND = 1_000_000;
const T0 = 1_700_000_040_000_000;

function recordOf(algorithm: SettleableAlgorithm, estimatedCost: number, decidedAtUs = T0, params = { limit: 100, windowUs: 60 * SECOND, burst: 100 }): DecisionRecord {
  return { algorithm, params, estimatedCost, decidedAtUs, expiresAtUs: decisionExpiryUs(algorithm, params.windowUs, decidedAtUs), actualCost: undefined };
}

describe('isSettleable', () => {
  it('covers the meter and the fixed window, not the sliding algorithms', () => {
    expect(['token_bucket', 'gcra', 'leaky_bucket', 'fixed_window'].every((a) => isSettleable(a as SettleableAlgorithm))).toBe(true);
    expect(isSettleable('sliding_window')).toBe(false);
    expect(isSettleable('sliding_log')).toBe(false);
  });
});

describe('decisionExpiryUs', () => {
  it('is one window after the decision for the meter, the window end for the fixed window', () => {
    expect(decisionExpiryUs('token_bucket', 60 * SECOND, T0 + 5)).toBe(T0 + 5 + 60 * SECOND);
    expect(decisionExpiryUs('fixed_window', 60 * SECOND, T0 + 5)).toBe(T0 + 60 * SECOND);
  });
});

describe('recordExpiryUs', () => {
  it("keeps a late fixed-window record in its counter's window; the meter ignores the counter", () => {
    const late = T0 + 60 * SECOND + 5;
    expect(recordExpiryUs({ algorithm: 'fixed_window', windowUs: 60 * SECOND, recordedAtUs: late, counterWindowStartUs: T0 })).toBe(T0 + 60 * SECOND);
    expect(recordExpiryUs({ algorithm: 'fixed_window', windowUs: 60 * SECOND, recordedAtUs: late, counterWindowStartUs: undefined })).toBe(T0 + 120 * SECOND);
    expect(recordExpiryUs({ algorithm: 'token_bucket', windowUs: 60 * SECOND, recordedAtUs: late, counterWindowStartUs: T0 })).toBe(late + 60 * SECOND);
  });
});

describe('decisionRecordKey', () => {
  it('stays under the counter hash tag', () => {
    expect(decisionRecordKey('rl:{p:u}:tu', 'abc')).toBe('rl:{p:u}:tu:d:abc');
  });
});

describe('settleStep on the meter', () => {
  const params = { limit: 100, windowUs: 60 * SECOND, burst: 100 };
  const admitted = (cost: number) => tokenBucket.step({ state: undefined, params, cost, now: T0 }).next;

  it('refunds the difference when the actual cost is lower', () => {
    const result = settleStep({ record: recordOf('token_bucket', 40), state: admitted(40), actualCost: 10, now: T0 });
    expect(result).toMatchObject({ status: 'settled', remaining: 90, next: [10, T0] });
    expect(result.record?.actualCost).toBe(10);
  });

  it('never refunds above the limit', () => {
    // 40 taken, drained 30 since: a full refund of 40 leaves 0 used, not -30.
    const later = T0 + 18 * SECOND;
    const result = settleStep({ record: recordOf('token_bucket', 40), state: admitted(40), actualCost: 0, now: later });
    expect(result).toMatchObject({ status: 'settled', remaining: 100, resetUs: 0, next: [0, later] });
  });

  it('charges into debt that later requests pay off', () => {
    const charged = settleStep({ record: recordOf('token_bucket', 40), state: admitted(40), actualCost: 130, now: T0 });
    expect(charged).toMatchObject({ status: 'settled', remaining: 0, next: [130, T0], resetUs: 78 * SECOND });
    const params100 = { limit: 100, windowUs: 60 * SECOND, burst: 100 };
    // 130 used: a request of 1 waits until 31 have drained (18.6 s).
    const next = tokenBucket.step({ state: charged.next as [number, number], params: params100, cost: 1, now: T0 + SECOND });
    expect(next.decision.allowed).toBe(false);
    expect(next.decision.retryAfterUs).toBe(17_600_000);
  });

  it('changes nothing when repeated or expired', () => {
    const settled = { ...recordOf('gcra', 40), actualCost: 10 };
    expect(settleStep({ record: settled, state: admitted(10), actualCost: 99, now: T0 })).toMatchObject({ status: 'repeated', remaining: 90, next: undefined, record: undefined });
    const late = T0 + 60 * SECOND;
    expect(settleStep({ record: recordOf('leaky_bucket', 40), state: admitted(40), actualCost: 99, now: late })).toMatchObject({ status: 'expired', next: undefined, record: undefined });
  });

  it('keeps a stored time that reads later than now', () => {
    const state = [40, T0 + SECOND] as const;
    expect(settleStep({ record: recordOf('token_bucket', 40), state, actualCost: 50, now: T0 }).next).toEqual([50, T0 + SECOND]);
  });
});

describe('settleStep on the fixed window', () => {
  const params = { limit: 100, windowUs: 60 * SECOND, burst: 100 };

  it('refunds and charges within the window of the decision', () => {
    const state = fixedWindow.step({ state: undefined, params, cost: 40, now: T0 }).next;
    expect(settleStep({ record: recordOf('fixed_window', 40), state, actualCost: 0, now: T0 + SECOND })).toMatchObject({ status: 'settled', remaining: 100, resetUs: 0, next: [T0, 0] });
    expect(settleStep({ record: recordOf('fixed_window', 40), state, actualCost: 150, now: T0 + SECOND })).toMatchObject({
      status: 'settled',
      remaining: 0,
      resetUs: 59 * SECOND,
      next: [T0, 150],
    });
  });

  it('expires at the end of the window', () => {
    expect(settleStep({ record: recordOf('fixed_window', 40, T0 + 59 * SECOND), state: undefined, actualCost: 0, now: T0 + 60 * SECOND }).status).toBe('expired');
  });
});

describe('settleStep properties', () => {
  it('leaves used units = max(0, used + actual - estimated), and remaining within [0, limit]', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<SettleableAlgorithm>('token_bucket', 'fixed_window'),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 0, max: 1_000 }),
        fc.integer({ min: 0, max: 59 * SECOND }),
        (algorithm, estimated, actual, advance) => {
          const params = { limit: 100, windowUs: 60 * SECOND, burst: 100 };
          const step = algorithm === 'fixed_window' ? fixedWindow.step : tokenBucket.step;
          const state = step({ state: undefined, params, cost: estimated, now: T0 } as never).next as readonly number[];
          const result = settleStep({ record: recordOf(algorithm, estimated), state, actualCost: actual, now: T0 + advance });
          expect(result.status).toBe('settled');
          expect(result.remaining).toBeGreaterThanOrEqual(0);
          expect(result.remaining).toBeLessThanOrEqual(params.limit);
          if (actual === estimated) expect(result.next).toBeUndefined();
          if (actual > estimated) expect(result.remaining).toBeLessThanOrEqual(100 - Math.min(100, actual - estimated));
        },
      ),
    );
  });
});

describe('LocalLimiter.settle', () => {
  it('settles the counter it holds', () => {
    const clock = new ManualClock(T0);
    const limiter = new LocalLimiter({ clock });
    const request = { key: 'k', algorithm: 'token_bucket' as const, limit: 10, windowUs: 60 * SECOND, burst: 10, cost: 8 };
    expect(limiter.decideSync(request).remaining).toBe(2);
    const record = recordOf('token_bucket', 8, T0, { limit: 10, windowUs: 60 * SECOND, burst: 10 });
    expect(limiter.settle({ key: 'k', record, actualCost: 3 })).toMatchObject({ status: 'settled', remaining: 7 });
    expect(limiter.decideSync({ ...request, cost: 7 })).toMatchObject({ allowed: true, remaining: 0 });
  });
});
