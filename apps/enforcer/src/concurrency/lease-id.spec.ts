import { LEASE_ID_PATTERN } from '@rl/contracts';
import { buildConcurrencyKey } from '@rl/limiter-core';
import { LeaseIds } from './lease-id';

const pattern = new RegExp(LEASE_ID_PATTERN);

describe('LeaseIds', () => {
  it.each(['user:42', 'ip:203.0.113.7', 'ключ'])('round-trips a held lease on the key of %j', (identity) => {
    const key = buildConcurrencyKey({ policyId: 'in-flight', identity });
    const lease = LeaseIds.create(key);
    expect(pattern.test(lease.id)).toBe(true);
    expect(LeaseIds.parse(lease.id)).toEqual({ held: true, key, leaseId: lease.member });
    expect(LeaseIds.create(key).member).not.toBe(lease.member);
  });

  it('names admissions that hold nothing', () => {
    const ids = new LeaseIds();
    const id = ids.unheldLease();
    expect(pattern.test(id)).toBe(true);
    expect(ids.unheldLease()).not.toBe(id);
    expect(LeaseIds.parse(id)).toEqual({ held: false });
  });

  it('refuses a key that is not a lease key', () => {
    expect(LeaseIds.parse(`l1.${'A'.repeat(16)}.${Buffer.from('rl:{p:u}:tu').toString('base64url')}`)).toBeUndefined();
  });
});
