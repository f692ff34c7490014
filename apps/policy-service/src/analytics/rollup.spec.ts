import type { DecisionEvent, DecisionEventBatch } from '@rl/contracts';
import { rollupBatch } from './rollup';

const minute = Date.UTC(2026, 10, 30, 7, 0);
const base: DecisionEvent = {
  ts: minute + 1_000,
  keyHash: '00000000000000aa',
  policyId: 'free',
  policyVersion: 1,
  decision: 'denied',
  latencyMs: 1,
  region: 'us-east',
  customerId: 'acme',
  sampleRate: 1,
};

function batch(events: DecisionEvent[]): DecisionEventBatch {
  return { schema: 1, region: 'us-east', instanceId: 'i', bootId: 'b', sequence: 0, sentAtMs: minute, events };
}

describe('rollupBatch', () => {
  it('sums events into one row per minute, region, policy, customer and key hash', () => {
    const rows = rollupBatch(
      batch([
        base,
        { ...base, ts: minute + 59_999 },
        { ...base, ts: minute + 60_000 },
        { ...base, keyHash: '00000000000000bb' },
        { ...base, customerId: '' },
      ]),
    );
    expect(rows.map((r) => [r.minuteMs - minute, r.customerId, r.keyHash, r.denied])).toEqual([
      [0, '', '00000000000000aa', 1],
      [0, 'acme', '00000000000000aa', 2],
      [0, 'acme', '00000000000000bb', 1],
      [60_000, 'acme', '00000000000000aa', 1],
    ]);
  });

  it('scales sampled allowed events by 1 / sample rate and counts each outcome in its column', () => {
    const [row] = rollupBatch(
      batch([
        { ...base, decision: 'allowed', sampleRate: 0.01 },
        { ...base, decision: 'allowed', sampleRate: 0.5 },
        { ...base, decision: 'shadow_denied' },
        { ...base, decision: 'blocked' },
        { ...base, decision: 'degraded_allowed', sampleRate: 0.25 },
        { ...base, decision: 'degraded_denied' },
        { ...base, decision: 'degraded_shadow_denied' },
      ]),
    );
    expect(row).toMatchObject({ allowed: 100 + 2 + 4, denied: 1, shadowDenied: 2, blocked: 1, degraded: 4 + 1 + 1 });
    // What the estimates rest on: three sampled allowed events (w = 100, 2, 4), three degraded ones (w = 4, 1, 1).
    expect(row).toMatchObject({ allowedEvents: 3, allowedVariance: 100 * 99 + 2 * 1 + 4 * 3, degradedEvents: 3, degradedVariance: 4 * 3 });
  });
});
