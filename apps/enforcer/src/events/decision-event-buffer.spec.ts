import type { CheckRequest, CheckResponse } from '@rl/contracts';
import { classifyDecision } from './classify-decision';
import { DecisionEventBuffer, type DecisionEventBufferOptions, type EventDropReason } from './decision-event-buffer';

const request: CheckRequest = { key: 'user:42', customerId: 'acme' };
const base = { limit: 10, remaining: 0, resetSeconds: 1, retryAfterSeconds: 0, policy: { id: 'free-tier', version: 3 }, region: 'us-east' };
const allowed: CheckResponse = { ...base, allowed: true };
const denied: CheckResponse = { ...base, allowed: false, retryAfterSeconds: 1 };

function buffer(overrides: Partial<DecisionEventBufferOptions> = {}): { buffer: DecisionEventBuffer; drops: EventDropReason[]; now: { ms: number } } {
  const drops: EventDropReason[] = [];
  const now = { ms: 1_795_000_000_000 };
  const b = new DecisionEventBuffer({
    capacity: 100,
    sampleRate: 1,
    denyRateCap: 1_000,
    random: () => 0.5,
    nowMs: () => now.ms,
    onDrop: (reason) => drops.push(reason),
    ...overrides,
  });
  return { buffer: b, drops, now };
}

describe('classifyDecision', () => {
  it.each([
    [allowed, 'allowed'],
    [denied, 'denied'],
    [{ ...allowed, shadow: true, wouldDeny: true }, 'shadow_denied'],
    [{ ...allowed, shadow: true, wouldDeny: false }, 'allowed'],
    [{ ...allowed, degraded: true }, 'degraded_allowed'],
    [{ ...denied, degraded: true }, 'degraded_denied'],
    [{ ...allowed, shadow: true, wouldDeny: true, degraded: true }, 'degraded_shadow_denied'],
    [{ ...denied, blocked: true, policy: { id: 'blocked', version: 0 } }, 'blocked'],
  ] as const)('%j is %s', (response, outcome) => {
    expect(classifyDecision(response as CheckResponse)).toBe(outcome);
  });
});

describe('DecisionEventBuffer', () => {
  it('keeps a decision with everything an event needs, oldest first', () => {
    const { buffer: b } = buffer();
    b.offer(request, denied, 0.0012);
    b.offer({ key: 'k2' }, allowed, 0.002);
    expect(b.drain(10)).toEqual([
      { key: 'user:42', customerId: 'acme', policyId: 'free-tier', policyVersion: 3, decision: 'denied', latencyMs: 1.2, ts: 1_795_000_000_000, sampleRate: 1 },
      { key: 'k2', customerId: '', policyId: 'free-tier', policyVersion: 3, decision: 'allowed', latencyMs: 2, ts: 1_795_000_000_000, sampleRate: 1 },
    ]);
    expect(b.size).toBe(0);
  });

  it('samples allowed decisions at the configured rate and records the rate in each event', () => {
    let draw = 0;
    const draws = [0.005, 0.5, 0.0099, 0.01, 0.9];
    const { buffer: b } = buffer({ sampleRate: 0.01, random: () => draws[draw++ % draws.length] });
    for (let i = 0; i < 5; i++) b.offer(request, allowed, 0.001);
    const kept = b.drain(10);
    expect(kept).toHaveLength(2);
    expect(kept.every((e) => e.sampleRate === 0.01)).toBe(true);
  });

  it('publishes no allowed decision at sample rate 0, but still every denial', () => {
    const { buffer: b } = buffer({ sampleRate: 0, random: () => 0 });
    b.offer(request, allowed, 0.001);
    b.offer(request, denied, 0.001);
    b.offer(request, { ...allowed, shadow: true, wouldDeny: true }, 0.001);
    expect(b.drain(10).map((e) => e.decision)).toEqual(['denied', 'shadow_denied']);
  });

  it('caps denials per second and counts the rest; the cap resets each second', () => {
    const { buffer: b, drops, now } = buffer({ denyRateCap: 3 });
    for (let i = 0; i < 5; i++) b.offer(request, denied, 0.001);
    expect(b.size).toBe(3);
    expect(drops).toEqual(['deny_rate_cap', 'deny_rate_cap']);
    b.offer(request, allowed, 0.001); // allowed events are not capped
    expect(b.size).toBe(4);
    now.ms += 1_000;
    b.offer(request, denied, 0.001);
    expect(b.size).toBe(5);
  });

  it('never grows past its capacity: a full ring drops and counts new events', () => {
    const { buffer: b, drops } = buffer({ capacity: 4 });
    for (let i = 0; i < 6; i++) b.offer({ key: `k${i}` }, allowed, 0.001);
    expect(b.size).toBe(4);
    expect(drops).toEqual(['buffer_full', 'buffer_full']);
    expect(b.drain(2).map((e) => e.key)).toEqual(['k0', 'k1']);
    b.offer({ key: 'k6' }, allowed, 0.001);
    expect(b.drain(10).map((e) => e.key)).toEqual(['k2', 'k3', 'k6']);
  });

  it('takes a flood without blocking or growing: offers return at once whatever the backlog', () => {
    const { buffer: b, drops } = buffer({ capacity: 1_000, denyRateCap: 1_000_000 });
    const heapBefore = process.memoryUsage().heapUsed;
    for (let i = 0; i < 200_000; i++) b.offer(request, i % 2 === 0 ? allowed : denied, 0.001);
    expect(b.size).toBe(1_000);
    expect(drops).toHaveLength(199_000);
    // The ring is preallocated: 200k offers may not retain anything per event (generous bound).
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });
});
