import type { Block, BlockType } from '@rl/contracts';
import { BlockList } from './block-list';

const NOW = Date.parse('2026-01-01T00:00:00.000Z');
let nextId = 0;

function block(type: BlockType, value: string, ttlMs = 60_000): Block {
  nextId += 1;
  return {
    id: `00000000-0000-4000-8000-${String(nextId).padStart(12, '0')}`,
    type,
    value,
    expiresAt: new Date(NOW + ttlMs).toISOString(),
    reason: 'test',
    source: 'operator',
  };
}

describe('BlockList', () => {
  it('matches nothing when empty', () => {
    expect(BlockList.EMPTY.match({ key: '10.0.0.1', customerId: 'acme', ip: '10.0.0.1' }, NOW)).toBeUndefined();
  });

  it('matches exact keys and customers only', () => {
    const k = block('key', 'user:42');
    const c = block('customer', 'acme');
    const list = new BlockList([k, c]);
    expect(list.match({ key: 'user:42' }, NOW)?.blockId).toBe(k.id);
    expect(list.match({ key: 'user:420' }, NOW)).toBeUndefined();
    expect(list.match({ key: 'x', customerId: 'acme' }, NOW)?.blockId).toBe(c.id);
    expect(list.match({ key: 'acme' }, NOW)).toBeUndefined();
  });

  it.each([
    ['10.1.0.0/16', '10.1.255.7', true],
    ['10.1.0.0/16', '10.2.0.1', false],
    ['10.1.2.3/8', '10.200.0.1', true],
    ['0.0.0.0/0', '192.0.2.1', true],
    ['0.0.0.0/0', '2001:db8::1', false],
    ['192.0.2.1/32', '192.0.2.1', true],
    ['192.0.2.1/32', '192.0.2.2', false],
    ['2001:db8::/32', '2001:db8:ffff::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['2001:db8:0:1::/64', '2001:db8:0:1:abcd:ef01:2345:6789', true],
    ['2001:db8:0:1::/64', '2001:db8:0:2::1', false],
    ['::ffff:0:0/96', '::ffff:10.0.0.1', true],
    ['fe80::1/128', 'FE80:0:0:0:0:0:0:1', true],
  ])('CIDR %s contains %s: %s', (cidr, ip, expected) => {
    const list = new BlockList([block('cidr', cidr)]);
    expect(list.match({ key: 'k', ip }, NOW) !== undefined).toBe(expected);
  });

  it('matches single IPs (v4 and v6) by the ip field or a key that is an IP', () => {
    const v4 = block('ip', '203.0.113.9');
    const v6 = block('ip', '2001:db8::42');
    const list = new BlockList([v4, v6]);
    expect(list.match({ key: 'user:1', ip: '203.0.113.9' }, NOW)?.blockId).toBe(v4.id);
    expect(list.match({ key: '203.0.113.9' }, NOW)?.blockId).toBe(v4.id);
    expect(list.match({ key: 'x', ip: '2001:0db8:0:0::42' }, NOW)?.blockId).toBe(v6.id);
    expect(list.match({ key: '2001:db8::43' }, NOW)).toBeUndefined();
    expect(list.match({ key: 'not-an-ip', ip: '203.0.113.8' }, NOW)).toBeUndefined();
  });

  it('stops matching at expiresAt', () => {
    const b = block('key', 'k', 1_000);
    const list = new BlockList([b]);
    expect(list.match({ key: 'k' }, NOW + 999)?.expiresAtMs).toBe(NOW + 1_000);
    expect(list.match({ key: 'k' }, NOW + 1_000)).toBeUndefined();
  });

  it('prefers key over customer over IP, the longest prefix among networks, and skips expired ones', () => {
    const byKey = block('key', 'k');
    const byCustomer = block('customer', 'acme');
    const wide = block('cidr', '10.0.0.0/8', 120_000);
    const narrowExpired = block('cidr', '10.1.0.0/16', 500);
    const narrow = block('cidr', '10.1.2.0/24');
    const list = new BlockList([wide, narrowExpired, narrow, byCustomer, byKey]);
    expect(list.match({ key: 'k', customerId: 'acme', ip: '10.1.2.3' }, NOW)?.blockId).toBe(byKey.id);
    expect(list.match({ key: 'other', customerId: 'acme', ip: '10.1.2.3' }, NOW)?.blockId).toBe(byCustomer.id);
    expect(list.match({ key: 'other', ip: '10.1.2.3' }, NOW)?.blockId).toBe(narrow.id);
    expect(list.match({ key: 'other', ip: '10.1.9.9' }, NOW)?.blockId).toBe(narrowExpired.id);
    expect(list.match({ key: 'other', ip: '10.1.9.9' }, NOW + 600)?.blockId).toBe(wide.id);
  });

  it('keeps the longest-lasting of two blocks on the same value', () => {
    const short = block('key', 'k', 1_000);
    const long = block('key', 'k', 9_000);
    expect(new BlockList([long, short]).match({ key: 'k' }, NOW)?.blockId).toBe(long.id);
  });
});
