import fc from 'fast-check';
import { ALGORITHMS } from '../types';
import { leasable, leaseGrant, leaseSize } from './lease-sizing';

describe('leasable', () => {
  it('is true for token_bucket and fixed_window only', () => {
    expect([...ALGORITHMS.filter(leasable)].sort()).toEqual(['fixed_window', 'token_bucket']);
  });
});

describe('leaseSize', () => {
  const base = { leaseMs: 100, cost: 1, capacity: 1_000_000, maxShare: 1, maxUnits: 10_000 };

  it('is the expected demand over the lease, rounded up', () => {
    expect(leaseSize({ ...base, ratePerSecond: 2_500 })).toBe(250);
    expect(leaseSize({ ...base, ratePerSecond: 12.5 })).toBe(2);
  });

  it('is at most maxUnits and the share of the capacity, and at least the cost', () => {
    expect(leaseSize({ ...base, ratePerSecond: 1e9, maxUnits: 500 })).toBe(500);
    expect(leaseSize({ ...base, ratePerSecond: 1e9, capacity: 1_000, maxShare: 0.1 })).toBe(100);
    expect(leaseSize({ ...base, ratePerSecond: 0, cost: 3 })).toBe(3);
    expect(leaseSize({ ...base, ratePerSecond: 1e9, cost: 900, maxUnits: 500 })).toBe(900);
  });

  it('never asks for less than the cost, nor more than max(cost, the share of the capacity)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 1, max: 1e9 }),
        fc.double({ min: 0.001, max: 1, noNaN: true }),
        (ratePerSecond, leaseMs, cost, capacity, maxShare) => {
          const size = leaseSize({ ratePerSecond, leaseMs, cost, capacity, maxShare, maxUnits: 1e6 });
          expect(Number.isInteger(size)).toBe(true);
          expect(size).toBeGreaterThanOrEqual(cost);
          expect(size).toBeLessThanOrEqual(Math.max(cost, Math.floor(capacity * maxShare)));
        },
      ),
    );
  });
});

describe('leaseGrant', () => {
  it('denies when the counter cannot cover the cost', () => {
    expect(leaseGrant({ available: 2.9, want: 10, cost: 3 })).toBe(0);
  });

  it('takes what was asked, or the whole units left when fewer', () => {
    expect(leaseGrant({ available: 1_000, want: 400, cost: 1 })).toBe(400);
    expect(leaseGrant({ available: 5.7, want: 40, cost: 2 })).toBe(5);
  });

  it('never grants more than is available or asked, nor less than the cost unless it denies', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e9, noNaN: true }), fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 1, max: 1_000 }), (available, extra, cost) => {
        const grant = leaseGrant({ available, want: cost + extra, cost });
        expect(Number.isInteger(grant)).toBe(true);
        expect(grant).toBeLessThanOrEqual(available);
        expect(grant).toBeLessThanOrEqual(cost + extra);
        if (Math.floor(available) >= cost) expect(grant).toBeGreaterThanOrEqual(cost);
        else expect(grant).toBe(0);
      }),
    );
  });
});
