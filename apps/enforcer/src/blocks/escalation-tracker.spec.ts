import fc from 'fast-check';
import { EscalationTracker, type Denial } from './escalation-tracker';

const rule = { threshold: 3, windowMs: 10_000 };
const denial = (policyId: string, atMs: number): Denial => ({ policyId, atMs });

function record(t: EscalationTracker, input: { key?: string; counter: string; atMs: number; rule?: { threshold: number; windowMs: number }; maxCounters?: number }) {
  return t.recordDenial({ key: input.key ?? 'k', counter: input.counter, denial: denial(input.counter, input.atMs), rule: input.rule ?? rule, maxCounters: input.maxCounters ?? 3 });
}

describe('EscalationTracker', () => {
  it('escalates on the threshold-th distinct counter within the window, with those denials, then starts over', () => {
    const t = new EscalationTracker({ maxKeys: 100 });
    expect(record(t, { counter: 'a', atMs: 0 })).toBeUndefined();
    expect(record(t, { counter: 'a', atMs: 1 })).toBeUndefined();
    expect(record(t, { counter: 'b', atMs: 2 })).toBeUndefined();
    expect(record(t, { counter: 'c', atMs: 3 })).toEqual([denial('a', 1), denial('b', 2), denial('c', 3)]);
    expect(t.trackedKeys).toBe(0);
    expect(record(t, { counter: 'd', atMs: 4 })).toBeUndefined();
  });

  it('counts one counter once, however often and on however many routes it denies', () => {
    const t = new EscalationTracker({ maxKeys: 100 });
    for (let i = 0; i < 50; i++) expect(record(t, { counter: 'inline:1:60', atMs: i })).toBeUndefined();
    expect(t.trackedKeys).toBe(1);
  });

  it('forgets denials older than the window of the rule that decides', () => {
    const t = new EscalationTracker({ maxKeys: 100 });
    record(t, { counter: 'a', atMs: 0 });
    record(t, { counter: 'b', atMs: 5_000 });
    expect(record(t, { counter: 'c', atMs: 10_000 })).toBeUndefined();
    expect(record(t, { counter: 'a', atMs: 10_001 })?.map((d) => d.policyId)).toEqual(['b', 'c', 'a']);
    // The same history under a longer window escalates at once.
    const u = new EscalationTracker({ maxKeys: 100 });
    record(u, { counter: 'a', atMs: 0 });
    record(u, { counter: 'b', atMs: 5_000 });
    expect(record(u, { counter: 'c', atMs: 10_000, rule: { threshold: 3, windowMs: 60_000 } })).toHaveLength(3);
  });

  it("decides with the rule of the policy that denied last: a threshold of one blocks on that policy's first denial", () => {
    const t = new EscalationTracker({ maxKeys: 100 });
    expect(record(t, { counter: 'search', atMs: 0 })).toBeUndefined();
    expect(record(t, { counter: 'login', atMs: 1, rule: { threshold: 1, windowMs: 60_000 } })?.map((d) => d.policyId)).toEqual(['search', 'login']);
  });

  it('keeps at most maxCounters denials per key and maxKeys keys, forgetting the oldest', () => {
    const t = new EscalationTracker({ maxKeys: 2 });
    record(t, { key: 'x', counter: 'a', atMs: 0 });
    record(t, { key: 'x', counter: 'b', atMs: 0 });
    record(t, { key: 'y', counter: 'a', atMs: 1 });
    record(t, { key: 'x', counter: 'b', atMs: 2 });
    record(t, { key: 'z', counter: 'a', atMs: 3 });
    expect(t.trackedKeys).toBe(2);
    // y was evicted; x kept both counters.
    expect(record(t, { key: 'x', counter: 'c', atMs: 4 })).toHaveLength(3);
    expect(record(t, { key: 'y', counter: 'b', atMs: 5 })).toBeUndefined();

    const small = new EscalationTracker({ maxKeys: 10 });
    for (const counter of ['a', 'b', 'c', 'd']) record(small, { counter, atMs: 0, rule: { threshold: 9, windowMs: 1_000 }, maxCounters: 2 });
    expect(record(small, { counter: 'e', atMs: 1, rule: { threshold: 3, windowMs: 1_000 }, maxCounters: 2 })).toBeUndefined();
  });

  it('escalates exactly when the distinct counters within the window reach the threshold (model check)', () => {
    const step = fc.record({ counter: fc.constantFrom('a', 'b', 'c', 'd', 'e'), gapMs: fc.integer({ min: 0, max: 4_000 }) });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 10_000 }), (steps, threshold, windowMs) => {
        const t = new EscalationTracker({ maxKeys: 10 });
        const model = new Map<string, number>();
        let now = 0;
        for (const { counter, gapMs } of steps) {
          now += gapMs;
          model.set(counter, now);
          const recent = [...model.values()].filter((at) => now - at < windowMs).length;
          const escalated = record(t, { counter, atMs: now, rule: { threshold, windowMs }, maxCounters: 5 });
          if ((escalated !== undefined) !== recent >= threshold) return false;
          if (escalated !== undefined) {
            if (new Set(escalated.map((d) => d.policyId)).size !== escalated.length || escalated.length !== recent) return false;
            model.clear();
          }
        }
        return true;
      }),
    );
  });
});
