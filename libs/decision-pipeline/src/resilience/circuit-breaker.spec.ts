import fc from 'fast-check';
import { CircuitBreaker, type BreakerState, type CallOutcome } from './circuit-breaker';

function breaker(overrides: { random?: () => number } = {}): { breaker: CircuitBreaker; clock: { ms: number }; states: BreakerState[] } {
  const clock = { ms: 1_000 };
  const states: BreakerState[] = [];
  const b = new CircuitBreaker({
    failureThreshold: 3,
    failureWindowMs: 1_000,
    cooldownMs: 200,
    cooldownJitterMs: 100,
    now: () => clock.ms,
    random: overrides.random ?? (() => 0.5),
    onStateChange: (state) => states.push(state),
  });
  return { breaker: b, clock, states };
}

describe('CircuitBreaker', () => {
  it('opens after three consecutive failures within the window', () => {
    const { breaker: b, clock } = breaker();
    b.record(b.acquire(), 'failure');
    clock.ms += 400;
    b.record(b.acquire(), 'failure');
    expect(b.state).toBe('closed');
    clock.ms += 400;
    b.record(b.acquire(), 'failure');
    expect(b.state).toBe('open');
    expect(b.acquire()).toBe('reject');
  });

  it('does not open when the failures are spread beyond the window or broken by a success', () => {
    const { breaker: b, clock } = breaker();
    b.record(b.acquire(), 'failure');
    b.record(b.acquire(), 'failure');
    clock.ms += 1_001;
    b.record(b.acquire(), 'failure');
    expect(b.state).toBe('closed');
    b.record(b.acquire(), 'success');
    b.record(b.acquire(), 'failure');
    b.record(b.acquire(), 'failure');
    expect(b.state).toBe('closed');
  });

  it('opens at once on a missed deadline', () => {
    const { breaker: b } = breaker();
    b.record(b.acquire(), 'deadline');
    expect(b.state).toBe('open');
  });

  it('sends a single probe after the jittered cooldown, and closes when it succeeds', () => {
    const { breaker: b, clock, states } = breaker({ random: () => 0.5 });
    b.record(b.acquire(), 'deadline');
    clock.ms += 249; // cooldown 200 + jitter floor(0.5 * 100) = 250
    expect(b.msUntilProbe()).toBe(1);
    expect(b.probe()).toBe('reject');
    clock.ms += 1;
    expect(b.msUntilProbe()).toBe(0);
    // Decisions never carry the probe: they are rejected before, during and until it succeeds.
    expect(b.acquire()).toBe('reject');
    expect(b.probe()).toBe('probe');
    expect(b.state).toBe('half-open');
    expect(b.acquire()).toBe('reject');
    expect(b.probe()).toBe('reject');
    b.record('probe', 'success');
    expect(b.msUntilProbe()).toBe(Infinity);
    expect(b.state).toBe('closed');
    expect(b.acquire()).toBe('pass');
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  it('re-opens with a fresh cooldown when the probe fails', () => {
    const { breaker: b, clock } = breaker({ random: () => 0 });
    b.record(b.acquire(), 'deadline');
    clock.ms += 200;
    expect(b.probe()).toBe('probe');
    b.record('probe', 'failure');
    expect(b.state).toBe('open');
    clock.ms += 199;
    expect(b.probe()).toBe('reject');
    clock.ms += 1;
    expect(b.probe()).toBe('probe');
  });

  it('probes at once when told the connection is back', () => {
    const { breaker: b } = breaker();
    b.allowProbeNow();
    expect(b.state).toBe('closed');
    b.record(b.acquire(), 'deadline');
    expect(b.probe()).toBe('reject');
    b.allowProbeNow();
    expect(b.probe()).toBe('probe');
    b.allowProbeNow();
    expect(b.probe()).toBe('reject');
  });

  it('ignores results of calls admitted before it opened', () => {
    const { breaker: b, clock } = breaker({ random: () => 0 });
    const early = b.acquire();
    b.record(b.acquire(), 'deadline');
    b.record(early, 'success');
    expect(b.state).toBe('open');
    clock.ms += 200;
    const probe = b.probe();
    b.record(early, 'failure');
    expect(b.state).toBe('half-open');
    b.record(probe, 'success');
    expect(b.state).toBe('closed');
  });

  it('never lets a decision through while not closed, nor more than one probe, whatever the sequence', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 500 }) }),
      fc.record({ kind: fc.constant('call' as const), outcome: fc.constantFrom<CallOutcome>('success', 'failure', 'deadline'), settle: fc.boolean(), asProbe: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), fc.double({ min: 0, max: 0.999, noNaN: true }), (steps, jitter) => {
        const { breaker: b, clock } = breaker({ random: () => jitter });
        let probesOutstanding = 0;
        const pending: { ticket: 'probe'; outcome: CallOutcome }[] = [];
        for (const s of steps) {
          if (s.kind === 'advance') {
            clock.ms += s.ms;
            continue;
          }
          const wasClosed = b.state === 'closed';
          const ticket = s.asProbe ? b.probe() : b.acquire();
          if (!wasClosed) expect(ticket === 'pass').toBe(false);
          if (!s.asProbe) expect(ticket === 'probe').toBe(false);
          if (ticket === 'probe') {
            probesOutstanding += 1;
            expect(probesOutstanding).toBe(1);
            if (s.settle) {
              b.record(ticket, s.outcome);
              probesOutstanding -= 1;
            } else {
              pending.push({ ticket, outcome: s.outcome });
            }
          } else if (ticket === 'pass') {
            b.record(ticket, s.outcome);
          } else if (pending.length > 0 && s.settle) {
            const settled = pending.shift();
            if (settled !== undefined) b.record(settled.ticket, settled.outcome);
            probesOutstanding -= 1;
          }
        }
      }),
    );
  });
});
