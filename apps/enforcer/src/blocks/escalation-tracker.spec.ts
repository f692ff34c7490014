import { EscalationTracker } from './escalation-tracker';

describe('EscalationTracker', () => {
  const tracker = (maxKeys = 100) => new EscalationTracker({ threshold: 3, windowMs: 10_000, maxKeys });

  it('escalates on the threshold-th distinct reason within the window, then starts over', () => {
    const t = tracker();
    expect(t.recordDenial({ key: 'k', reason: 'a', nowMs: 0 })).toBe(false);
    expect(t.recordDenial({ key: 'k', reason: 'a', nowMs: 1 })).toBe(false);
    expect(t.recordDenial({ key: 'k', reason: 'b', nowMs: 2 })).toBe(false);
    expect(t.recordDenial({ key: 'k', reason: 'c', nowMs: 3 })).toBe(true);
    expect(t.trackedKeys).toBe(0);
    expect(t.recordDenial({ key: 'k', reason: 'd', nowMs: 4 })).toBe(false);
  });

  it('forgets reasons older than the window', () => {
    const t = tracker();
    t.recordDenial({ key: 'k', reason: 'a', nowMs: 0 });
    t.recordDenial({ key: 'k', reason: 'b', nowMs: 5_000 });
    expect(t.recordDenial({ key: 'k', reason: 'c', nowMs: 10_000 })).toBe(false);
    expect(t.recordDenial({ key: 'k', reason: 'a', nowMs: 10_001 })).toBe(true);
  });

  it('counts keys separately and stays within maxKeys, evicting the least recently denied', () => {
    const t = tracker(2);
    t.recordDenial({ key: 'x', reason: 'a', nowMs: 0 });
    t.recordDenial({ key: 'x', reason: 'b', nowMs: 0 });
    t.recordDenial({ key: 'y', reason: 'a', nowMs: 1 });
    t.recordDenial({ key: 'x', reason: 'b', nowMs: 2 });
    t.recordDenial({ key: 'z', reason: 'a', nowMs: 3 });
    expect(t.trackedKeys).toBe(2);
    // y was evicted; x kept both reasons.
    expect(t.recordDenial({ key: 'x', reason: 'c', nowMs: 4 })).toBe(true);
    expect(t.recordDenial({ key: 'y', reason: 'b', nowMs: 5 })).toBe(false);
  });
});
