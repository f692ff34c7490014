import { CHECK_BOUNDS, PRINTABLE_PATTERN } from '../check/check-bounds';
import { parseCidr, parseIpAddress } from './ip-address';

/** What a block matches: the check request's exact `key`, its `customerId`, its IP, or an IP range. */
export const BLOCK_TYPES = ['key', 'customer', 'ip', 'cidr'] as const;
export type BlockType = (typeof BLOCK_TYPES)[number];

/** Who created a block: an operator through the admin API, or the enforcers' automatic escalation. */
export const BLOCK_SOURCES = ['operator', 'automatic'] as const;
export type BlockSource = (typeof BLOCK_SOURCES)[number];

/** Bounds of a block: a TTL from one second to 30 days, a reason of 1..500 printable characters. */
export const BLOCK_BOUNDS = { ttlSecondsMin: 1, ttlSecondsMax: 2_592_000, reasonMaxLength: 500 } as const;

const printable = new RegExp(PRINTABLE_PATTERN, 'u');

function isPrintableUpTo(value: string, max: number): boolean {
  return printable.test(value) && Array.from(value).length <= max;
}

/** Why `value` is not a valid value for a block of `type`, or `undefined` when it is. */
export function blockValueProblem(type: BlockType, value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  switch (type) {
    case 'key':
      return isPrintableUpTo(value, CHECK_BOUNDS.keyMaxLength) ? undefined : `must be a key of 1 to ${CHECK_BOUNDS.keyMaxLength} printable characters`;
    case 'customer':
      return isPrintableUpTo(value, CHECK_BOUNDS.customerIdMaxLength) ? undefined : `must be a customer id of 1 to ${CHECK_BOUNDS.customerIdMaxLength} printable characters`;
    case 'ip':
      return parseIpAddress(value) === undefined ? 'must be an IPv4 or IPv6 address' : undefined;
    case 'cidr':
      return parseCidr(value) === undefined ? 'must be an IPv4 or IPv6 CIDR range such as 10.0.0.0/8 or 2001:db8::/32' : undefined;
  }
}
