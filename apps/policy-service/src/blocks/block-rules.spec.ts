import { parseCidr, type IpNetwork } from '@rl/contracts';
import fc from 'fast-check';
import { blockSourceProblem, catchAllProblem, formatNetwork, normaliseBlockValue } from './block-rules';

const MINIMUM = { ipv4: 8, ipv6: 32 };

const network = fc.oneof(
  fc.record({ version: fc.constant(4 as const), bits: fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }), prefix: fc.integer({ min: 0, max: 32 }) }),
  fc.record({
    version: fc.constant(6 as const),
    // Zero runs are the interesting part of IPv6 text: build addresses from mostly-zero groups.
    bits: fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }).map((groups) => groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n)),
    prefix: fc.integer({ min: 0, max: 128 }),
  }),
);

function cleared(input: { version: 4 | 6; bits: bigint; prefix: number }): IpNetwork {
  const width = input.version === 4 ? 32n : 128n;
  const mask = ((1n << width) - 1n) ^ ((1n << (width - BigInt(input.prefix))) - 1n);
  return { version: input.version, network: input.bits & mask, prefix: input.prefix };
}

describe('formatNetwork', () => {
  it.each([
    ['198.51.100.7/24', '198.51.100.0/24'],
    ['10.1.2.3/8', '10.0.0.0/8'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['2001:DB8:0:0:1:0:0:1/128', '2001:db8::1:0:0:1/128'],
    ['2001:0:0:1:0:0:0:1/128', '2001:0:0:1::1/128'],
    ['2001:db8:0:1:1:1:1:1/128', '2001:db8:0:1:1:1:1:1/128'],
    ['2001:0db8:85a3::8a2e:0370:7334/64', '2001:db8:85a3::/64'],
    ['::1/128', '::1/128'],
    ['::/0', '::/0'],
    ['fe80::/10', 'fe80::/10'],
    ['::ffff:192.0.2.1/128', '::ffff:c000:201/128'],
  ])('%s is stored as %s', (given, stored) => {
    expect(normaliseBlockValue('cidr', given)).toBe(stored);
  });

  it('leaves other block types as given', () => {
    expect(normaliseBlockValue('ip', '2001:DB8::1')).toBe('2001:DB8::1');
    expect(normaliseBlockValue('key', 'user:1/24')).toBe('user:1/24');
  });

  it('round-trips every network and writes IPv6 as WHATWG URL hosts do (RFC 5952 compression)', () => {
    fc.assert(
      fc.property(network, (input) => {
        const net = cleared(input);
        const text = formatNetwork(net);
        expect(parseCidr(text)).toEqual(net);
        expect(normaliseBlockValue('cidr', text)).toBe(text);
        if (net.version === 6) expect(`[${text.slice(0, text.lastIndexOf('/'))}]`).toBe(new URL(`http://[${text.slice(0, text.lastIndexOf('/'))}]/`).hostname);
      }),
    );
  });
});

describe('catchAllProblem', () => {
  it.each([
    ['0.0.0.0/0', 'must be true to block 0.0.0.0/0: it covers every address, wider than the /8 this service accepts for IPv4 without confirmation'],
    ['::/0', 'must be true to block ::/0: it covers every address, wider than the /32 this service accepts for IPv6 without confirmation'],
    ['10.0.0.0/7', 'must be true to block 10.0.0.0/7: it covers 2^25 addresses, wider than the /8 this service accepts for IPv4 without confirmation'],
    ['2001:db8::/31', 'must be true to block 2001:db8::/31: it covers 2^97 addresses, wider than the /32 this service accepts for IPv6 without confirmation'],
  ])('%s needs confirm', (value, message) => {
    expect(catchAllProblem({ type: 'cidr', value, confirm: undefined, minimum: MINIMUM })).toEqual({ path: 'confirm', message });
    expect(catchAllProblem({ type: 'cidr', value, confirm: false, minimum: MINIMUM })).toEqual({ path: 'confirm', message });
    expect(catchAllProblem({ type: 'cidr', value, confirm: true, minimum: MINIMUM })).toBeUndefined();
  });

  it.each(['10.0.0.0/8', '198.51.100.0/24', '2001:db8::/32', '2001:db8::1/128'])('%s needs no confirmation', (value) => {
    expect(catchAllProblem({ type: 'cidr', value, confirm: undefined, minimum: MINIMUM })).toBeUndefined();
  });

  it('follows the configured minimum and ignores other types', () => {
    expect(catchAllProblem({ type: 'cidr', value: '10.0.0.0/8', confirm: undefined, minimum: { ipv4: 16, ipv6: 48 } })?.path).toBe('confirm');
    expect(catchAllProblem({ type: 'cidr', value: '0.0.0.0/0', confirm: undefined, minimum: { ipv4: 0, ipv6: 0 } })).toBeUndefined();
    expect(catchAllProblem({ type: 'ip', value: '0.0.0.0', confirm: undefined, minimum: MINIMUM })).toBeUndefined();
  });
});

describe('blockSourceProblem', () => {
  it.each([
    ['enforcer', 'automatic', undefined],
    ['enforcer', 'operator', 'the enforcer role creates automatic blocks only (send "source": "automatic"); the key "k" is an enforcer key'],
    ['editor', 'operator', undefined],
    ['admin', 'operator', undefined],
    ['editor', 'automatic', 'only the enforcer role creates automatic blocks; the key "k" has editor'],
    ['admin', 'automatic', 'only the enforcer role creates automatic blocks; the key "k" has admin'],
  ] as const)('a %s key creating a %s block: %s', (role, source, problem) => {
    expect(blockSourceProblem({ role, keyName: 'k', source })).toBe(problem);
  });
});
