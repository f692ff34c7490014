import { parseCidr, type ApiKeyRole, type BlockSource, type BlockType, type FieldError, type IpNetwork } from '@rl/contracts';

/**
 * Provenance: `automatic` blocks come only from the enforcers' escalation, so only the `enforcer`
 * role may create them, and that role may create nothing else. Returns why the caller may not
 * create a block of this source, or `undefined` when it may.
 */
export function blockSourceProblem(input: { role: ApiKeyRole; keyName: string; source: BlockSource }): string | undefined {
  const { role, keyName, source } = input;
  if (role === 'enforcer' && source !== 'automatic') return `the enforcer role creates automatic blocks only (send "source": "automatic"); the key "${keyName}" is an enforcer key`;
  if (role !== 'enforcer' && source === 'automatic') return `only the enforcer role creates automatic blocks; the key "${keyName}" has ${role}`;
  return undefined;
}

/** The shortest prefix a CIDR block may have without `"confirm": true`, per address family. */
export interface MinimumPrefix {
  readonly ipv4: number;
  readonly ipv6: number;
}

/**
 * A catch-all block: a CIDR range with a prefix shorter than the minimum for its family (so
 * `0.0.0.0/0` and `::/0` always) needs `"confirm": true`. Returns the field error to answer (422),
 * or `undefined`.
 */
export function catchAllProblem(input: { type: BlockType; value: string; confirm: boolean | undefined; minimum: MinimumPrefix }): FieldError | undefined {
  if (input.type !== 'cidr' || input.confirm === true) return undefined;
  const network = parseCidr(input.value);
  if (network === undefined) return undefined;
  const minimum = network.version === 4 ? input.minimum.ipv4 : input.minimum.ipv6;
  if (network.prefix >= minimum) return undefined;
  const size = network.prefix === 0 ? 'every address' : `2^${(network.version === 4 ? 32 : 128) - network.prefix} addresses`;
  return {
    path: 'confirm',
    message: `must be true to block ${formatNetwork(network)}: it covers ${size}, wider than the /${minimum} this service accepts for IPv${network.version} without confirmation`,
  };
}

/** The stored form of a block's value: a CIDR range as its network address and prefix, canonical text; anything else as given. */
export function normaliseBlockValue(type: BlockType, value: string): string {
  if (type !== 'cidr') return value;
  const network = parseCidr(value);
  return network === undefined ? value : formatNetwork(network);
}

/**
 * Canonical text of a network: dotted quad for IPv4; for IPv6 the RFC 5952 form (lowercase, no
 * leading zeros, the longest run of two or more zero groups as `::`, the first on a tie).
 */
export function formatNetwork(network: IpNetwork): string {
  return `${network.version === 4 ? formatIpv4(network.network) : formatIpv6(network.network)}/${network.prefix}`;
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

function formatIpv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; ) {
    if (groups[start] !== 0) {
      start++;
      continue;
    }
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
