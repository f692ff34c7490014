import fc from 'fast-check';
import { compactIpIdentity, expandIpIdentity } from './ip-identity';
import { buildCounterKey, counterIdentity, safeIdentity } from './keys';

/** RFC 5952 text from Node's URL serializer (WHATWG: the same compression rule), as an oracle. */
const canonicalV6 = (groups: number[]): string => new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]`).hostname.slice(1, -1);

const group = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
const v6Groups = fc.array(group, { minLength: 8, maxLength: 8 });
const v4Bytes = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 });

describe('compactIpIdentity', () => {
  it('compacts the identities our integrations produce, and expands them back', () => {
    expect(compactIpIdentity('ip:203.0.113.45')).toBe('~ywBxLQ');
    expect(compactIpIdentity('ip:2001:db8:85a3:8d3::/64')).toBe('*IAENuIWjCNM');
    expect(compactIpIdentity('ip:2001:db8::1')).toBe('!IAENuAAAAAAAAAAAAAAAAQ');
    for (const identity of ['ip:203.0.113.45', 'ip:0.0.0.0', 'ip:2001:db8:85a3:8d3::/64', 'ip:::/64', 'ip:2001:db8::1', 'ip:::']) {
      expect(expandIpIdentity(compactIpIdentity(identity) as string)).toBe(identity);
    }
  });

  it('round-trips every IPv4 address and every IPv6 address and /64 network in canonical form', () => {
    fc.assert(
      fc.property(v4Bytes, (bytes) => {
        const identity = `ip:${bytes.join('.')}`;
        const compact = compactIpIdentity(identity);
        expect(compact).toHaveLength(7);
        expect(expandIpIdentity(compact as string)).toBe(identity);
      }),
    );
    fc.assert(
      fc.property(v6Groups, (groups) => {
        const address = canonicalV6(groups);
        const compact = compactIpIdentity(`ip:${address}`);
        expect(compact).toHaveLength(23);
        expect(expandIpIdentity(compact as string)).toBe(`ip:${address}`);
        const network = canonicalV6([...groups.slice(0, 4), 0, 0, 0, 0]);
        const compactNetwork = compactIpIdentity(`ip:${network}/64`);
        expect(compactNetwork).toHaveLength(12);
        expect(expandIpIdentity(compactNetwork as string)).toBe(`ip:${network}/64`);
      }),
    );
  });

  it('leaves every other text alone, so no two identities share a key', () => {
    for (const identity of [
      '203.0.113.45', // no prefix
      'ip:203.0.113.045', // leading zero
      'ip:203.0.113.256',
      'ip:203.0.113',
      'ip:203.0.113.45.1',
      'ip:2001:DB8::1', // upper case
      'ip:2001:0db8::1', // leading zero
      'ip:2001:db8:0:0:0:0:0:1', // uncompressed
      'ip:2001:db8::0:1', // not the longest run
      'ip:::ffff:192.0.2.1', // embedded IPv4
      'ip:2001:db8::1/64', // host bits set
      'ip:2001:db8::/48', // other prefix lengths
      'ip:2001:db8:::1',
      'ip:1:2:3:4:5:6:7:8:9',
      'ip:',
      'user:42',
    ]) {
      expect(compactIpIdentity(identity)).toBeUndefined();
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 48 }), fc.string({ maxLength: 48 }), (a, b) => {
        const [x, y] = [`ip:${a}`, `ip:${b}`];
        if (x !== y) expect(counterIdentity(x)).not.toBe(counterIdentity(y));
        const compact = compactIpIdentity(x);
        if (compact !== undefined) expect(expandIpIdentity(compact)).toBe(x);
      }),
    );
  });

  it('never collides with a plain or hashed identity', () => {
    fc.assert(
      fc.property(v4Bytes, fc.string({ maxLength: 70 }), (bytes, other) => {
        const compact = counterIdentity(`ip:${bytes.join('.')}`);
        expect(safeIdentity(other)).not.toBe(compact);
      }),
    );
  });

  it('keeps IP keys in the 32-byte allocation class for short policy ids', () => {
    // sdshdr8: 3 header bytes + the key + NUL must fit 32 bytes.
    expect(buildCounterKey({ policyId: 'free-tier', identity: 'ip:255.255.255.255', algorithm: 'token_bucket' }).length + 4).toBeLessThanOrEqual(32);
    expect(buildCounterKey({ policyId: 'bench', identity: 'ip:ffff:ffff:ffff:ffff::/64', algorithm: 'token_bucket' }).length + 4).toBeLessThanOrEqual(32);
    expect(buildCounterKey({ policyId: 'p', identity: 'user:1', algorithm: 'gcra' })).toBe('rl:{p:user:1}:gu');
  });
});
