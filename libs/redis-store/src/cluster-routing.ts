import type { Cluster, Redis } from 'ioredis';

/** Redis Cluster's hash slots: CRC16 (XMODEM) of the key's hash tag, modulo 16384. */
export const CLUSTER_SLOTS = 16_384;

const CRC16_TABLE = ((): Uint16Array => {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[byte] = crc;
  }
  return table;
})();

/**
 * The slot Redis Cluster assigns to `key`, as CLUSTER KEYSLOT computes it: only the part between
 * the first `{` and the next `}` counts when that part is not empty. Keys are hashed as UTF-8.
 */
export function keySlot(key: string): number {
  const bytes = Buffer.from(key, 'utf8');
  let start = 0;
  let end = bytes.length;
  const open = bytes.indexOf(0x7b);
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) {
      start = open + 1;
      end = close;
    }
  }
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ bytes[i]) & 0xff];
  return crc % CLUSTER_SLOTS;
}

/** The cluster's masters by "host:port", the form the client's slot map names them in. */
export function mastersByAddress(cluster: Cluster): Map<string, Redis> {
  const masters = new Map<string, Redis>();
  for (const node of cluster.nodes('master')) masters.set(`${node.options.host}:${node.options.port}`, node);
  return masters;
}

/**
 * The master the client will write a command for `slot` to, as its slot map says now (a MOVED
 * reply may still send it elsewhere); undefined before the map is known.
 */
export function masterForSlot(cluster: Cluster, slot: number, masters: Map<string, Redis> = mastersByAddress(cluster)): Redis | undefined {
  const address = cluster.slots[slot]?.[0];
  return address === undefined ? undefined : masters.get(address);
}
