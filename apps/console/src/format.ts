/** Display helpers: every figure in the console goes through these. */

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatCount(value: number): string {
  return integer.format(value);
}

/** 90 -> "1m 30s", 3600 -> "1h", 0.5 -> "0.5s". */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${Number(seconds.toFixed(3))}s`;
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join(' ');
}

/** An ISO time relative to `now`: "in 4m 10s", "12s ago". */
export function formatRelative(iso: string, now: number): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return '—';
  const seconds = Math.round((at - now) / 1000);
  if (seconds === 0) return 'now';
  return seconds > 0 ? `in ${formatSeconds(seconds)}` : `${formatSeconds(-seconds)} ago`;
}

/** ISO -> "2026-11-30 07:02:13" in the browser's time zone. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** used / cap as a percentage 0..100 (0 when the cap is 0), for bars. */
export function percentOf(used: number, cap: number): number {
  if (cap <= 0) return used > 0 ? 100 : 0;
  return Math.min(100, Math.max(0, (used / cap) * 100));
}

/** A policy's match as one line: `tier=free route=/v1/** GET`. */
export function describeMatch(match: { customerTier?: string; customerId?: string; route?: string; method?: string }): string {
  const parts: string[] = [];
  if (match.customerTier !== undefined) parts.push(`tier=${match.customerTier}`);
  if (match.customerId !== undefined) parts.push(`customer=${match.customerId}`);
  if (match.route !== undefined) parts.push(`route=${match.route}`);
  if (match.method !== undefined) parts.push(`method=${match.method}`);
  return parts.join(' ');
}
