import { parseCidr, parseIpAddress, prefixMask, type IpAddress, type IpNetwork } from '@rl/contracts';

/** A trusted-proxy list entry that is neither an address nor a CIDR; names the entry. */
export class InvalidProxyListError extends Error {
  constructor(
    readonly entry: string,
    readonly index: number,
  ) {
    super(`trustedProxies[${index}] must be an IPv4/IPv6 address or CIDR, got ${JSON.stringify(entry)}`);
    this.name = 'InvalidProxyListError';
  }
}

/** At most this many X-Forwarded-For entries are examined; a longer chain is cut from the left. */
export const MAX_FORWARDED_HOPS = 32;

const IPV4_MAPPED = 0xffff00000000n;
const IPV4_MAPPED_MASK = ((1n << 128n) - 1n) ^ 0xffffffffn;

/** `::ffff:a.b.c.d` is the IPv4 address a.b.c.d (a dual-stack socket reports IPv4 peers so). */
function unmap(address: IpAddress): IpAddress {
  if (address.version === 6 && (address.value & IPV4_MAPPED_MASK) === IPV4_MAPPED) return { version: 4, value: address.value & 0xffffffffn };
  return address;
}

/**
 * Parses one address as proxies write it: bare (`203.0.113.7`, `2001:db8::1`), with a port
 * (`203.0.113.7:4711`, `[2001:db8::1]:4711`), bracketed, or with an IPv6 zone (`fe80::1%eth0`).
 */
export function parseHopAddress(text: string): IpAddress | undefined {
  let host = text.trim();
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close < 0) return undefined;
    const rest = host.slice(close + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined;
    host = host.slice(1, close);
  } else if (/^[\d.]+:\d{1,5}$/.test(host)) {
    host = host.slice(0, host.indexOf(':'));
  }
  const zone = host.indexOf('%');
  if (zone >= 0) host = host.slice(0, zone);
  const parsed = parseIpAddress(host);
  return parsed === undefined ? undefined : unmap(parsed);
}

function contains(network: IpNetwork, address: IpAddress): boolean {
  return network.version === address.version && (address.value & prefixMask(address.version, network.prefix)) === network.network;
}

function formatAddress(address: IpAddress): string {
  if (address.version === 4) {
    const v = Number(address.value);
    return [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff].join('.');
  }
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((address.value >> shift) & 0xffffn).toString(16));
  // RFC 5952: compress the longest run (>= 2) of zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}

export interface TrustedProxiesOptions {
  /** Addresses and CIDRs of the proxies in front of this app (e.g. `10.0.0.0/8`, `::1`). Empty: trust none. */
  readonly trustedProxies: readonly string[];
  /**
   * IPv6 clients are counted per network of this prefix length (default 64: one customer LAN,
   * since one host can use any address in its /64). 128 counts every address on its own.
   */
  readonly ipv6Prefix?: number;
}

/**
 * Who the client is, from the socket's peer address and `X-Forwarded-For`, trusting the header
 * only as far as it was written by configured proxies.
 *
 * The chain is walked from the right: the socket peer first, then each X-Forwarded-For entry
 * from the last to the first. While the address at hand is a trusted proxy, the entry to its
 * left is what that proxy saw and is believed; the first untrusted address is the client. A
 * client can prepend anything to the header, but never the entries its trusted proxies append,
 * so spoofed entries are never reached. If a trusted proxy passed on an entry that is not an
 * address, the walk stops at that proxy: it is the last address known to be true.
 */
export class TrustedProxies {
  private readonly networks: readonly IpNetwork[];
  private readonly ipv6Prefix: number;

  constructor(options: TrustedProxiesOptions) {
    this.networks = options.trustedProxies.map((entry, index) => {
      const text = entry.trim();
      const network = text.includes('/') ? parseCidr(text) : toHostNetwork(parseHopAddress(text));
      if (network === undefined) throw new InvalidProxyListError(entry, index);
      if (network.version === 6 && text.includes('/')) {
        // `::ffff:10.0.0.0/104` is the IPv4 network 10.0.0.0/8.
        const mapped = unmap({ version: 6, value: network.network });
        if (mapped.version === 4 && network.prefix >= 96) return { version: 4, network: mapped.value, prefix: network.prefix - 96 } satisfies IpNetwork;
      }
      return network;
    });
    const prefix = options.ipv6Prefix ?? 64;
    if (!Number.isInteger(prefix) || prefix < 1 || prefix > 128) throw new RangeError('ipv6Prefix must be an integer from 1 to 128');
    this.ipv6Prefix = prefix;
  }

  isTrusted(address: IpAddress): boolean {
    for (const network of this.networks) if (contains(network, address)) return true;
    return false;
  }

  /**
   * The client's address, canonical text (`203.0.113.7`, `2001:db8::1`), or undefined when the
   * socket has no usable peer address (a closed socket).
   */
  clientAddress(input: { remoteAddress: string | undefined; forwardedFor: string | readonly string[] | undefined }): IpAddress | undefined {
    const peer = input.remoteAddress === undefined ? undefined : parseHopAddress(input.remoteAddress);
    if (peer === undefined) return undefined;
    if (!this.isTrusted(peer) || input.forwardedFor === undefined) return peer;
    const header = typeof input.forwardedFor === 'string' ? input.forwardedFor : input.forwardedFor.join(',');
    const hops = header.split(',');
    let current = peer;
    const last = Math.max(0, hops.length - MAX_FORWARDED_HOPS);
    for (let i = hops.length - 1; i >= last; i--) {
      if (hops[i].trim() === '') continue;
      const hop = parseHopAddress(hops[i]);
      if (hop === undefined) return current;
      current = hop;
      if (!this.isTrusted(current)) return current;
    }
    return current;
  }

  /**
   * The rate-limit identity of the client: `ip:<address>` for IPv4, `ip:<network>/<prefix>` for
   * IPv6 below /128.
   */
  clientKey(input: { remoteAddress: string | undefined; forwardedFor: string | readonly string[] | undefined }): string | undefined {
    const address = this.clientAddress(input);
    if (address === undefined) return undefined;
    if (address.version === 4 || this.ipv6Prefix === 128) return `ip:${formatAddress(address)}`;
    const network = { version: 6 as const, value: address.value & prefixMask(6, this.ipv6Prefix) };
    return `ip:${formatAddress(network)}/${this.ipv6Prefix}`;
  }

  /** The client's address as text, for the `ip` field of a check (IP and CIDR blocks). */
  clientIp(input: { remoteAddress: string | undefined; forwardedFor: string | readonly string[] | undefined }): string | undefined {
    const address = this.clientAddress(input);
    return address === undefined ? undefined : formatAddress(address);
  }
}

function toHostNetwork(address: IpAddress | undefined): IpNetwork | undefined {
  if (address === undefined) return undefined;
  return { version: address.version, network: address.value, prefix: address.version === 4 ? 32 : 128 };
}

export { formatAddress };
