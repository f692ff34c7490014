import fc from 'fast-check';
import { acquireStep, peekLeases, releaseStep, type LeaseSet } from './concurrency';

const T0 = 1_700_000_000_000_000;
const SECOND = 1_000_000;

describe('acquireStep', () => {
  it('admits up to the limit, then waits for the earliest expiry', () => {
    let leases: LeaseSet | undefined;
    const first = acquireStep({ leases, limit: 2, leaseUs: 10 * SECOND, leaseId: 'a', now: T0 });
    expect(first.decision).toEqual({ allowed: true, remaining: 1, resetUs: 10 * SECOND, retryAfterUs: 0 });
    leases = first.next;
    const second = acquireStep({ leases, limit: 2, leaseUs: 10 * SECOND, leaseId: 'b', now: T0 + SECOND });
    expect(second.decision).toEqual({ allowed: true, remaining: 0, resetUs: 10 * SECOND, retryAfterUs: 0 });
    leases = second.next;
    const third = acquireStep({ leases, limit: 2, leaseUs: 10 * SECOND, leaseId: 'c', now: T0 + 2 * SECOND });
    expect(third).toMatchObject({ decision: { allowed: false, remaining: 0, resetUs: 9 * SECOND, retryAfterUs: 8 * SECOND }, next: undefined });
  });

  it('frees the slot of a lease never released once it expires (a crashed caller)', () => {
    const held = acquireStep({ leases: undefined, limit: 1, leaseUs: 5 * SECOND, leaseId: 'crashed', now: T0 }).next;
    expect(acquireStep({ leases: held, limit: 1, leaseUs: 5 * SECOND, leaseId: 'x', now: T0 + 5 * SECOND - 1 }).decision.allowed).toBe(false);
    const after = acquireStep({ leases: held, limit: 1, leaseUs: 5 * SECOND, leaseId: 'x', now: T0 + 5 * SECOND });
    expect(after.decision.allowed).toBe(true);
    expect([...(after.next as LeaseSet).keys()]).toEqual(['x']);
  });

  it('never holds more than the limit, whatever the order of acquires, releases and time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 3 * SECOND })), { maxLength: 60 }), (limit, steps) => {
        let leases: LeaseSet | undefined;
        let now = T0;
        let n = 0;
        for (const [release, advance] of steps) {
          now += advance;
          if (release && leases !== undefined && leases.size > 0) {
            leases = releaseStep({ leases, leaseId: [...leases.keys()][0], now }).next;
            continue;
          }
          const result = acquireStep({ leases, limit, leaseUs: 4 * SECOND, leaseId: `l${n++}`, now });
          if (result.next !== undefined) leases = result.next;
          const live = [...(leases ?? new Map()).values()].filter((expiry) => expiry > now).length;
          expect(live).toBeLessThanOrEqual(limit);
          expect(result.decision.remaining).toBe(Math.max(0, limit - live));
        }
      }),
    );
  });
});

describe('releaseStep', () => {
  const leases: LeaseSet = new Map([['a', T0 + SECOND]]);

  it('releases a held lease once', () => {
    const released = releaseStep({ leases, leaseId: 'a', now: T0 });
    expect(released.released).toBe(true);
    expect(releaseStep({ leases: released.next, leaseId: 'a', now: T0 }).released).toBe(false);
  });

  it('refuses an unknown or expired lease', () => {
    expect(releaseStep({ leases, leaseId: 'b', now: T0 }).released).toBe(false);
    expect(releaseStep({ leases, leaseId: 'a', now: T0 + SECOND }).released).toBe(false);
    expect(releaseStep({ leases: undefined, leaseId: 'a', now: T0 }).released).toBe(false);
  });
});

describe('peekLeases', () => {
  it('counts the leases held and times their earliest and last expiry, ignoring expired ones', () => {
    const leases: LeaseSet = new Map([
      ['gone', T0],
      ['soon', T0 + 2 * SECOND],
      ['late', T0 + 9 * SECOND],
    ]);
    expect(peekLeases({ leases, now: T0 })).toEqual({ inFlight: 2, nextExpiryUs: 2 * SECOND, resetUs: 9 * SECOND });
    expect(peekLeases({ leases, now: T0 + 2 * SECOND })).toEqual({ inFlight: 1, nextExpiryUs: 7 * SECOND, resetUs: 7 * SECOND });
  });

  it('reads nothing held as zeros', () => {
    expect(peekLeases({ leases: undefined, now: T0 })).toEqual({ inFlight: 0, nextExpiryUs: 0, resetUs: 0 });
    expect(peekLeases({ leases: new Map([['a', T0]]), now: T0 + 1 })).toEqual({ inFlight: 0, nextExpiryUs: 0, resetUs: 0 });
  });

  it('agrees with what acquireStep admits next: remaining = limit - inFlight', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.integer({ min: 0, max: 3 * SECOND }), { maxLength: 20 }), (limit, steps) => {
        let leases: LeaseSet | undefined;
        let now = T0;
        let n = 0;
        for (const step of steps) {
          now += step;
          const view = peekLeases({ leases, now });
          const result = acquireStep({ leases, limit, leaseUs: 4 * SECOND, leaseId: `l${n++}`, now });
          expect(result.decision.allowed).toBe(view.inFlight < limit);
          if (!result.decision.allowed) expect(result.decision.retryAfterUs).toBe(view.nextExpiryUs);
          if (result.next !== undefined) leases = result.next;
        }
      }),
    );
  });
});
