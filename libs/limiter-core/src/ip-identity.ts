/**
 * Compact counter identities for client addresses.
 *
 * Keys by client IP are what a flood of new keys is made of (random IPv4 sources, IPv6 callers
 * rotating through /64 networks), so their size decides Redis memory per key. Redis allocates a
 * key in jemalloc size classes (…, 32, 40, 48 bytes): `rl:{policy:ip:203.0.113.45}:tu` takes the
 * 40-byte class and `rl:{policy:ip:2001:db8:85a3:8d3::/64}:tu` the 48-byte one, while the
 * compact forms below keep both in the 32-byte class for policy ids up to 9 and 5 characters.
 *
 * The identities our own integrations produce for an address are `ip:<address>` (nginx
 * `auth_request` without a key header, `@rl/client`'s trusted-proxy resolution) and
 * `ip:<network>/64` for IPv6 callers keyed by their /64. Exactly these, in canonical text, are
 * replaced by a marker character and the bytes in base64url:
 *
 * | identity                         | compact form               |
 * |----------------------------------|----------------------------|
 * | `ip:<IPv4, dotted decimal>`      | `~` + 6 chars (4 bytes)    |
 * | `ip:<IPv6 network>/64`           | `*` + 11 chars (8 bytes)   |
 * | `ip:<IPv6 address>`              | `!` + 22 chars (16 bytes)  |
 *
 * Injective: only canonical text is compacted (IPv4 without leading zeros; IPv6 in RFC 5952
 * form: lower case, no leading zeros, the longest run of two or more zero groups as `::`, no
 * embedded IPv4; a /64 network with its host bits zero), so one address has exactly one text
 * that maps to its compact form, and `expandIpIdentity` gives that text back. The markers are
 * outside the alphabet of plain identities (`safeIdentity`), and digests start with `#`, so a
 * compact form never equals any other identity's key part. Anything else (`1.2.3.4` without the
 * prefix, `2001:DB8::1`, a /48) keeps its plain form: correct, just not compact.
 */

const IP_PREFIX = 'ip:';
const V4 = '~';
const V6_NET64 = '*';
const V6 = '!';

/** The compact form of `identity` (see above), or undefined when it is not one of the three forms. */
export function compactIpIdentity(identity: string): string | undefined {
  if (!identity.startsWith(IP_PREFIX)) return undefined;
  const text = identity.slice(IP_PREFIX.length);
  if (!text.includes(':')) {
    const bytes = parseCanonicalIpv4(text);
    return bytes === undefined ? undefined : V4 + Buffer.from(bytes).toString('base64url');
  }
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  if (slash >= 0 && text.slice(slash + 1) !== '64') return undefined;
  const groups = parseIpv6Groups(address);
  if (groups === undefined || formatIpv6(groups) !== address) return undefined;
  if (slash >= 0) {
    if (groups[4] !== 0 || groups[5] !== 0 || groups[6] !== 0 || groups[7] !== 0) return undefined;
    return V6_NET64 + groupBytes(groups, 4).toString('base64url');
  }
  return V6 + groupBytes(groups, 8).toString('base64url');
}

/** The identity a compact form stands for (undefined for anything else): for operators reading keys. */
export function expandIpIdentity(compact: string): string | undefined {
  const marker = compact[0];
  const bytes = Buffer.from(compact.slice(1), 'base64url');
  if (marker === V4 && compact.length === 7 && bytes.length === 4) return IP_PREFIX + [...bytes].join('.');
  const groups = (count: number): number[] => Array.from({ length: 8 }, (_, i) => (i < count ? bytes.readUInt16BE(2 * i) : 0));
  if (marker === V6_NET64 && compact.length === 12 && bytes.length === 8) return `${IP_PREFIX}${formatIpv6(groups(4))}/64`;
  if (marker === V6 && compact.length === 23 && bytes.length === 16) return IP_PREFIX + formatIpv6(groups(8));
  return undefined;
}

/** Four bytes of a dotted-decimal IPv4 address without leading zeros, else undefined. */
function parseCanonicalIpv4(text: string): number[] | undefined {
  const bytes: number[] = [];
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const code = i < text.length ? text.charCodeAt(i) : 46; // a final '.' closes the last part
    if (code === 46) {
      if (digits === 0 || value > 255) return undefined;
      bytes.push(value);
      value = 0;
      digits = 0;
    } else if (code >= 48 && code <= 57) {
      if (digits > 0 && value === 0) return undefined; // leading zero
      value = value * 10 + (code - 48);
      digits += 1;
      if (digits > 3) return undefined;
    } else return undefined;
  }
  return bytes.length === 4 ? bytes : undefined;
}

/** Eight 16-bit groups of IPv6 text (hex groups and at most one `::`, no embedded IPv4), else undefined. */
function parseIpv6Groups(text: string): number[] | undefined {
  if (text.length < 2 || text.length > 39) return undefined;
  const gap = text.indexOf('::');
  if (gap >= 0 && text.indexOf('::', gap + 1) >= 0) return undefined;
  const head = gap < 0 ? text : text.slice(0, gap);
  const tail = gap < 0 ? '' : text.slice(gap + 2);
  const headGroups = head === '' ? [] : parseHexGroups(head);
  const tailGroups = tail === '' ? [] : parseHexGroups(tail);
  if (headGroups === undefined || tailGroups === undefined) return undefined;
  const zeros = 8 - headGroups.length - tailGroups.length;
  if (gap < 0 ? zeros !== 0 : zeros < 1) return undefined;
  return [...headGroups, ...new Array<number>(gap < 0 ? 0 : zeros).fill(0), ...tailGroups];
}

function parseHexGroups(text: string): number[] | undefined {
  const groups: number[] = [];
  for (const part of text.split(':')) {
    if (part.length === 0 || part.length > 4 || !/^[0-9a-fA-F]+$/.test(part)) return undefined;
    groups.push(parseInt(part, 16));
  }
  return groups;
}

/** RFC 5952 text of eight groups: lower case, no leading zeros, the first longest run (>= 2) of zero groups as `::`. */
function formatIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string => groups.slice(from, to).map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

function groupBytes(groups: readonly number[], count: number): Buffer {
  const bytes = Buffer.alloc(2 * count);
  for (let i = 0; i < count; i++) bytes.writeUInt16BE(groups[i], 2 * i);
  return bytes;
}
