import { InvalidProxyListError, MAX_FORWARDED_HOPS, parseHopAddress, TrustedProxies } from './trusted-proxies';

const behind = (trustedProxies: string[], options: { ipv6Prefix?: number } = {}): TrustedProxies => new TrustedProxies({ trustedProxies, ...options });

describe('parseHopAddress', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    [' 203.0.113.7 ', '203.0.113.7'],
    ['203.0.113.7:4711', '203.0.113.7'],
    ['[2001:db8::1]:4711', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
  ])('reads %j', (text, expected) => {
    const proxies = behind([]);
    expect(proxies.clientIp({ remoteAddress: text, forwardedFor: undefined })).toBe(expected);
    expect(parseHopAddress(text)).toBeDefined();
  });

  it.each(['', 'unknown', '300.1.1.1', '1.2.3', '[2001:db8::1', '[::1]x', '2001:db8::1::2', 'example.com', '_hidden'])('refuses %j', (text) => {
    expect(parseHopAddress(text)).toBeUndefined();
  });
});

describe('TrustedProxies', () => {
  it('refuses a bad proxy list entry, naming it', () => {
    expect(() => behind(['10.0.0.0/8', 'nonsense'])).toThrow(InvalidProxyListError);
    expect(() => behind(['10.0.0.0/33'])).toThrow('trustedProxies[0]');
    expect(() => behind([], { ipv6Prefix: 0 })).toThrow(RangeError);
  });

  it('uses the socket address when the peer is not a trusted proxy, whatever the header says', () => {
    const proxies = behind(['10.0.0.0/8']);
    expect(proxies.clientIp({ remoteAddress: '198.51.100.4', forwardedFor: '1.1.1.1' })).toBe('198.51.100.4');
    expect(behind([]).clientIp({ remoteAddress: '127.0.0.1', forwardedFor: '1.1.1.1' })).toBe('127.0.0.1');
  });

  it('takes the address a trusted proxy appended', () => {
    const proxies = behind(['10.0.0.0/8']);
    expect(proxies.clientIp({ remoteAddress: '10.1.2.3', forwardedFor: '203.0.113.9' })).toBe('203.0.113.9');
    expect(proxies.clientIp({ remoteAddress: '::ffff:10.1.2.3', forwardedFor: '203.0.113.9' })).toBe('203.0.113.9');
  });

  it('walks a chain of trusted proxies from the right', () => {
    const proxies = behind(['10.0.0.0/8', '192.168.0.0/16']);
    expect(proxies.clientIp({ remoteAddress: '10.0.0.1', forwardedFor: '203.0.113.9, 192.168.1.1, 10.9.9.9' })).toBe('203.0.113.9');
    expect(proxies.clientIp({ remoteAddress: '10.0.0.1', forwardedFor: ['203.0.113.9', '192.168.1.1'] })).toBe('203.0.113.9');
  });

  describe('spoofing attempts', () => {
    const proxies = behind(['10.0.0.0/8']);

    it('ignores addresses a client prepended', () => {
      // The client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended the client's real address.
      expect(proxies.clientIp({ remoteAddress: '10.0.0.1', forwardedFor: '1.2.3.4, 203.0.113.9' })).toBe('203.0.113.9');
    });

    it('does not let a client pose as a trusted proxy', () => {
      // The forged "10.0.0.7" sits left of the real client address, so the walk never reaches it.
      expect(proxies.clientIp({ remoteAddress: '10.0.0.1', forwardedFor: '6.6.6.6, 10.0.0.7, 203.0.113.9' })).toBe('203.0.113.9');
    });

    it('does not believe a header sent straight from the internet', () => {
      expect(proxies.clientIp({ remoteAddress: '203.0.113.9', forwardedFor: '10.0.0.5' })).toBe('203.0.113.9');
    });

    it('stops at the last trusted hop when a proxy passed on garbage', () => {
      expect(proxies.clientIp({ remoteAddress: '10.0.0.1', forwardedFor: 'evil, unknown' })).toBe('10.0.0.1');
      expect(proxies.clientIp({ remoteAddress: '10.0.0.1', forwardedFor: '203.0.113.9, 10.0.0.2, <script>' })).toBe('10.0.0.1');
    });

    it('reads a bounded number of hops', () => {
      const chain = Array.from({ length: 10_000 }, () => '10.0.0.9').join(',');
      expect(proxies.clientIp({ remoteAddress: '10.0.0.1', forwardedFor: `203.0.113.9,${chain}` })).toBe('10.0.0.9');
      expect(MAX_FORWARDED_HOPS).toBeLessThan(100);
    });
  });

  it('handles IPv6 proxies and clients, and IPv4-mapped proxy networks', () => {
    const proxies = behind(['2001:db8:ffff::/48', '::ffff:172.16.0.0/108']);
    expect(proxies.clientIp({ remoteAddress: '2001:db8:ffff::1', forwardedFor: '2001:db8:1:2::abcd' })).toBe('2001:db8:1:2::abcd');
    expect(proxies.clientIp({ remoteAddress: '172.16.5.5', forwardedFor: '198.51.100.1' })).toBe('198.51.100.1');
    expect(proxies.clientIp({ remoteAddress: '2001:db9::1', forwardedFor: '198.51.100.1' })).toBe('2001:db9::1');
  });

  it('keys IPv4 clients by address and IPv6 clients by /64 unless told otherwise', () => {
    const input = (remoteAddress: string) => ({ remoteAddress, forwardedFor: undefined });
    expect(behind([]).clientKey(input('203.0.113.9'))).toBe('ip:203.0.113.9');
    expect(behind([]).clientKey(input('2001:db8:1:2:aaaa:bbbb:cccc:dddd'))).toBe('ip:2001:db8:1:2::/64');
    expect(behind([]).clientKey(input('2001:db8:1:2:ffff::1'))).toBe('ip:2001:db8:1:2::/64');
    expect(behind([], { ipv6Prefix: 128 }).clientKey(input('2001:db8:0:0:1:0:0:1'))).toBe('ip:2001:db8::1:0:0:1');
    expect(behind([]).clientKey(input('not-an-address'))).toBeUndefined();
    expect(behind([]).clientKey({ remoteAddress: undefined, forwardedFor: '1.2.3.4' })).toBeUndefined();
  });
});
