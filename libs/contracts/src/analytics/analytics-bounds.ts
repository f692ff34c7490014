/** Bounds of the analytics API (`GET /v1/analytics/*`). */
export const ANALYTICS_BOUNDS = {
  topLimitDefault: 10,
  topLimitMax: 100,
  /** from/to default to the last hour. */
  defaultRangeMs: 3_600_000,
  /** The widest from..to one request may ask for. */
  maxRangeDays: 31,
  /** Rollups are per minute. */
  stepSeconds: 60,
} as const;

export const ANALYTICS_DIMENSIONS = ['key', 'customer'] as const;
export type AnalyticsDimension = (typeof ANALYTICS_DIMENSIONS)[number];

export const ANALYTICS_MESSAGES = {
  dimension: `must be one of ${ANALYTICS_DIMENSIONS.join(', ')}`,
  time: 'must be an ISO-8601 date-time',
  region: 'must be a region name of 1 to 32 characters from [a-z0-9-]',
  limit: `must be an integer from 1 to ${ANALYTICS_BOUNDS.topLimitMax}`,
  customerId: 'must be "" (requests without a customer) or a string of 1 to 128 printable characters',
  fromBeforeTo: 'must be before to',
  keyHash: 'must be a key hash: 16 lowercase hex digits (the first 16 of SHA-256 of the key)',
  range: `must be at most ${ANALYTICS_BOUNDS.maxRangeDays} days before to`,
} as const;
