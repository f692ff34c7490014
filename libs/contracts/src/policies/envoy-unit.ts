/**
 * The `unit`s of envoyproxy/ratelimit's `rate_limit` blocks, and the window each one counts in, in
 * seconds, as envoyproxy/ratelimit defines them (its `UnitToDivider`): a week is 7 days, a month
 * 30 days and a year 365 days, every window aligned to the Unix epoch.
 */
export const ENVOY_UNITS = ['second', 'minute', 'hour', 'day', 'week', 'month', 'year'] as const;
export type EnvoyUnit = (typeof ENVOY_UNITS)[number];

export const ENVOY_UNIT_SECONDS: Readonly<Record<EnvoyUnit, number>> = {
  second: 1,
  minute: 60,
  hour: 3_600,
  day: 86_400,
  week: 604_800,
  month: 2_592_000,
  year: 31_536_000,
};
