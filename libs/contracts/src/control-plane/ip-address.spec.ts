import { parseCidr, parseIpAddress, prefixMask } from './ip-address';

describe('parseIpAddress', () => {
  it.each([
    ['0.0.0.0', 4, 0n],
    ['192.0.2.1', 4, 0xc0000201n],
    ['255.255.255.255', 4, 0xffffffffn],
    ['::', 6, 0n],
    ['::1', 6, 1n],
    ['2001:db8::1', 6, 0x20010db8000000000000000000000001n],
    ['2001:DB8:0:0:0:0:0:1', 6, 0x20010db8000000000000000000000001n],
    ['::ffff:192.0.2.1', 6, 0xffffc0000201n],
    ['fe80::', 6, 0xfe800000000000000000000000000000n],
  ])('reads %s', (text, version, value) => {
    expect(parseIpAddress(text)).toEqual({ version, value });
  });

  it.each(['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', '1.2.3.-4', 'a.b.c.d', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', 'g::1', 'fe80::1%eth0', '::ffff:1.2.3'])(
    'rejects %j',
    (text) => {
      expect(parseIpAddress(text)).toBeUndefined();
    },
  );
});

describe('parseCidr', () => {
  it('clears host bits and keeps the prefix', () => {
    expect(parseCidr('10.1.2.3/8')).toEqual({ version: 4, network: 0x0a000000n, prefix: 8 });
    expect(parseCidr('2001:db8::1/32')).toEqual({ version: 6, network: 0x20010db8n << 96n, prefix: 32 });
    expect(parseCidr('0.0.0.0/0')).toEqual({ version: 4, network: 0n, prefix: 0 });
    expect(parseCidr('::/128')).toEqual({ version: 6, network: 0n, prefix: 128 });
  });

  it.each(['10.0.0.0', '10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/8/8', 'x/8', '10.0.0.0/08a'])('rejects %j', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });

  it('masks the top bits', () => {
    expect(prefixMask(4, 24)).toBe(0xffffff00n);
    expect(prefixMask(6, 0)).toBe(0n);
  });
});
