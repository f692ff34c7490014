const UNIT_SECONDS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400 };
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/**
 * Seconds in a duration string: one or more `<number><unit>` parts with units ms, s, m, h, d,
 * e.g. "30s", "1m", "1h30m", "1.5h", "1d". `undefined` for anything else (no sign, no spaces,
 * no bare numbers: a bare number of seconds is sent as a JSON number).
 */
export function parseDuration(text: string): number | undefined {
  if (text.length > 64 || !WHOLE.test(text)) return undefined;
  let millis = 0;
  for (const [, amount, unit] of text.matchAll(PART)) millis += Number(amount) * UNIT_SECONDS[unit] * 1000;
  const seconds = Math.round(millis) / 1000;
  return Number.isFinite(seconds) ? seconds : undefined;
}

/** A window given as a JSON number of seconds or a duration string, in seconds; `undefined` if neither. */
export function windowToSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string') return parseDuration(value);
  return undefined;
}
