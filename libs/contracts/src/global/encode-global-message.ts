import { GLOBAL_BOUNDS } from './global-bounds';

interface WindowOf<K> {
  readonly policyId: string;
  readonly windowStartMs: number;
  readonly windowSeconds: number;
  readonly limit: number;
  readonly keys: readonly K[];
}

const encoder = new TextEncoder();
/** Room for the envelope and one window header; identities are at most 64 ASCII characters. */
const HEADROOM = 4096;

/**
 * Encodes a UsageReport or AllocationUpdate as one or more JSON messages, each under
 * `maxBytes` (default GLOBAL_BOUNDS.messageMaxBytes): windows and their keys are split across
 * messages that repeat the envelope. Every message stands alone (usage counts are absolute,
 * allocations are per key), so the receiver needs no reassembly.
 */
export function encodeGlobalMessage<K, M extends { readonly windows: readonly WindowOf<K>[] }>(
  message: M,
  maxBytes: number = GLOBAL_BOUNDS.messageMaxBytes,
): Uint8Array[] {
  const whole = encoder.encode(JSON.stringify(message));
  if (whole.byteLength <= maxBytes) return [whole];
  const budget = Math.max(1, maxBytes - HEADROOM);
  const out: Uint8Array[] = [];
  let windows: WindowOf<K>[] = [];
  let size = 0;
  const flush = (): void => {
    if (windows.length > 0) out.push(encoder.encode(JSON.stringify({ ...message, windows })));
    windows = [];
    size = 0;
  };
  for (const w of message.windows) {
    let keys: K[] = [];
    for (const key of w.keys) {
      const keySize = JSON.stringify(key).length + 1;
      if (size + keySize > budget) {
        if (keys.length > 0) windows.push({ ...w, keys });
        flush();
        keys = [];
      }
      keys.push(key);
      size += keySize;
    }
    windows.push({ ...w, keys });
    size += 200;
    if (size > budget) flush();
  }
  flush();
  return out;
}
