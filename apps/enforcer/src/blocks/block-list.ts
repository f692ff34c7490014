import { parseCidr, parseIpAddress, prefixMask, type Block } from '@rl/contracts';

/** What a block is matched against: the check request's identity fields. */
export interface BlockProbe {
  readonly key: string;
  readonly customerId?: string;
  readonly ip?: string;
}

/** The block that applies, and until when (epoch ms). */
export interface BlockMatch {
  readonly blockId: string;
  readonly expiresAtMs: number;
}

interface Entry {
  readonly blockId: string;
  readonly expiresAtMs: number;
}

/** Networks of one prefix length, by masked network address. */
interface PrefixTable {
  readonly mask: bigint;
  readonly networks: Map<bigint, Entry>;
}

/** Of two blocks on the same value, the one that lasts longer wins. */
function put<K>(map: Map<K, Entry>, key: K, entry: Entry): void {
  const current = map.get(key);
  if (current === undefined || current.expiresAtMs < entry.expiresAtMs) map.set(key, entry);
}

/**
 * The block list, compiled once per snapshot off the request path: exact sets for keys and
 * customers, and for IPs one hash table per distinct prefix length and IP version (an exact IP is
 * a /32 or /128), so a lookup costs one mask-and-get per prefix length in use, longest first.
 *
 * Expiry is checked at match time against the caller's `nowMs`: an expired block simply stops
 * matching, without waiting for a control-plane change. Precedence when several match: key, then
 * customer, then IP and CIDR (longest prefix first); the first unexpired one answers. A `key` that
 * parses as an IP address is matched against the IP and CIDR blocks too.
 */
export class BlockList {
  static readonly EMPTY = new BlockList([]);

  private readonly keys = new Map<string, Entry>();
  private readonly customers = new Map<string, Entry>();
  private readonly v4: PrefixTable[];
  private readonly v6: PrefixTable[];
  readonly size: number;

  constructor(blocks: readonly Block[]) {
    const v4 = new Map<number, PrefixTable>();
    const v6 = new Map<number, PrefixTable>();
    let size = 0;
    for (const block of blocks) {
      const expiresAtMs = Date.parse(block.expiresAt);
      if (Number.isNaN(expiresAtMs)) continue;
      const entry: Entry = { blockId: block.id, expiresAtMs };
      switch (block.type) {
        case 'key':
          put(this.keys, block.value, entry);
          break;
        case 'customer':
          put(this.customers, block.value, entry);
          break;
        case 'ip':
        case 'cidr': {
          const network = block.type === 'cidr' ? parseCidr(block.value) : toHostNetwork(block.value);
          if (network === undefined) continue;
          const tables = network.version === 4 ? v4 : v6;
          let table = tables.get(network.prefix);
          if (table === undefined) {
            table = { mask: prefixMask(network.version, network.prefix), networks: new Map() };
            tables.set(network.prefix, table);
          }
          put(table.networks, network.network, entry);
          break;
        }
      }
      size += 1;
    }
    const longestFirst = (tables: Map<number, PrefixTable>): PrefixTable[] =>
      [...tables.entries()].sort(([a], [b]) => b - a).map(([, table]) => table);
    this.v4 = longestFirst(v4);
    this.v6 = longestFirst(v6);
    this.size = size;
  }

  /** The unexpired block that applies to `probe` at `nowMs`, if any. */
  match(probe: BlockProbe, nowMs: number): BlockMatch | undefined {
    if (this.size === 0) return undefined;
    return (
      live(this.keys.get(probe.key), nowMs) ??
      (probe.customerId === undefined ? undefined : live(this.customers.get(probe.customerId), nowMs)) ??
      (probe.ip === undefined ? undefined : this.matchIp(probe.ip, nowMs)) ??
      this.matchIp(probe.key, nowMs)
    );
  }

  private matchIp(text: string, nowMs: number): BlockMatch | undefined {
    if (this.v4.length === 0 && this.v6.length === 0) return undefined;
    // Cheap pre-check: IP text has a dot or a colon and no other punctuation than those.
    if (text.length > 45 || !/^[0-9a-fA-F.:]+$/.test(text)) return undefined;
    const address = parseIpAddress(text);
    if (address === undefined) return undefined;
    for (const table of address.version === 4 ? this.v4 : this.v6) {
      const found = live(table.networks.get(address.value & table.mask), nowMs);
      if (found !== undefined) return found;
    }
    return undefined;
  }
}

function live(entry: Entry | undefined, nowMs: number): BlockMatch | undefined {
  return entry !== undefined && entry.expiresAtMs > nowMs ? entry : undefined;
}

function toHostNetwork(text: string): { version: 4 | 6; network: bigint; prefix: number } | undefined {
  const address = parseIpAddress(text);
  return address === undefined ? undefined : { version: address.version, network: address.value, prefix: address.version === 4 ? 32 : 128 };
}
