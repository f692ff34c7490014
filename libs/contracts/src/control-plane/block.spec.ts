import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CreateBlockDto } from '../admin/create-block.dto';
import { toFieldErrors } from '../admin/to-field-errors';
import { blockValueProblem } from './block';
import { parsePolicyChangeMessage } from './parse-policy-change-message';
import { validatePolicySnapshot } from './validate-policy-snapshot';

function errorsOf(input: unknown) {
  return toFieldErrors(validateSync(plainToInstance(CreateBlockDto, input), { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true }));
}

const block = { id: '3f1c1f4e-6a3b-4c55-9d1e-0d6f0a1b2c3d', type: 'cidr', value: '10.0.0.0/8', expiresAt: '2026-03-01T12:00:00.000Z', reason: 'abuse', source: 'operator' };

describe('blockValueProblem', () => {
  it.each([
    ['key', 'user:42'],
    ['customer', 'acme'],
    ['ip', '192.0.2.1'],
    ['ip', '2001:db8::1'],
    ['cidr', '192.0.2.0/24'],
    ['cidr', '2001:db8::/32'],
  ] as const)('accepts a %s %j', (type, value) => {
    expect(blockValueProblem(type, value)).toBeUndefined();
  });

  it.each([
    ['key', '', 'must be a key of 1 to 256 printable characters'],
    ['key', 'k'.repeat(257), 'must be a key of 1 to 256 printable characters'],
    ['customer', 'a\nb', 'must be a customer id of 1 to 128 printable characters'],
    ['ip', '10.0.0.0/8', 'must be an IPv4 or IPv6 address'],
    ['cidr', '10.0.0.1', 'must be an IPv4 or IPv6 CIDR range such as 10.0.0.0/8 or 2001:db8::/32'],
    ['cidr', '2001:db8::/129', 'must be an IPv4 or IPv6 CIDR range such as 10.0.0.0/8 or 2001:db8::/32'],
  ] as const)('rejects a %s %j', (type, value, message) => {
    expect(blockValueProblem(type, value)).toBe(message);
  });
});

describe('CreateBlockDto', () => {
  const valid = { type: 'ip', value: '203.0.113.7', ttlSeconds: 3600, reason: 'credential stuffing' };

  it('accepts a valid block', () => {
    expect(errorsOf(valid)).toEqual([]);
  });

  it('names each bad field', () => {
    expect(errorsOf({ ...valid, type: 'asn' })).toEqual([{ path: 'type', message: 'must be one of key, customer, ip, cidr' }]);
    expect(errorsOf({ ...valid, value: '999.1.1.1' })).toEqual([{ path: 'value', message: 'must be an IPv4 or IPv6 address' }]);
    expect(errorsOf({ ...valid, ttlSeconds: 0 })).toEqual([{ path: 'ttlSeconds', message: 'must be an integer from 1 to 2592000' }]);
    expect(errorsOf({ ...valid, ttlSeconds: 2_592_001 })).toEqual([{ path: 'ttlSeconds', message: 'must be an integer from 1 to 2592000' }]);
    expect(errorsOf({ ...valid, reason: '' })).toEqual([{ path: 'reason', message: 'must be 1 to 500 printable characters' }]);
    expect(errorsOf({ type: 'key' })).toEqual([
      { path: 'value', message: 'is required' },
      { path: 'ttlSeconds', message: 'is required' },
      { path: 'reason', message: 'is required' },
    ]);
  });
});

describe('block changes and snapshots', () => {
  const envelope = { revision: 3, committedAt: '2026-03-01T12:00:00.123Z' };

  it('reads block.added and block.removed', () => {
    expect(parsePolicyChangeMessage(JSON.stringify({ ...envelope, change: { kind: 'block.added', block: { ...block, extra: 1 } } }))).toEqual({
      ok: true,
      value: { ...envelope, change: { kind: 'block.added', block } },
    });
    expect(parsePolicyChangeMessage(JSON.stringify({ ...envelope, change: { kind: 'block.removed', blockId: block.id } }))).toEqual({
      ok: true,
      value: { ...envelope, change: { kind: 'block.removed', blockId: block.id } },
    });
  });

  it('rejects a block with a bad value, with its path', () => {
    const result = parsePolicyChangeMessage(JSON.stringify({ ...envelope, change: { kind: 'block.added', block: { ...block, value: 'nope' } } }));
    expect(result).toEqual({ ok: false, errors: [{ path: 'change.block.value', message: 'must be an IPv4 or IPv6 CIDR range such as 10.0.0.0/8 or 2001:db8::/32' }] });
    expect(parsePolicyChangeMessage(JSON.stringify({ ...envelope, change: { kind: 'block.removed' } }))).toMatchObject({ ok: false, errors: [{ path: 'change.blockId' }] });
  });

  it('reads snapshot blocks, treating a missing list as none', () => {
    const base = { revision: 1, policies: [], overrides: [], customers: {} };
    expect(validatePolicySnapshot(base)).toEqual({ ok: true, value: { ...base, blocks: [] } });
    expect(validatePolicySnapshot({ ...base, blocks: [block] })).toEqual({ ok: true, value: { ...base, blocks: [block] } });
    expect(validatePolicySnapshot({ ...base, blocks: [{ ...block, type: 'asn' }] })).toEqual({ ok: false, errors: [{ path: 'blocks[0].type', message: 'must be one of key, customer, ip, cidr' }] });
  });
});
