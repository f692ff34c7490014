import { CHECK_BOUNDS, PRINTABLE_PATTERN } from './check-bounds';

/**
 * Fastify JSON schema (draft-07, Ajv 8) of the `POST /v1/check` body. Compile it with
 * `coerceTypes: false` and `removeAdditional: false` so that wrong types and unknown fields are
 * rejected rather than silently fixed; `useDefaults` fills `cost`.
 */
export const CHECK_REQUEST_SCHEMA = {
  $id: 'rl.check.request',
  type: 'object',
  required: ['key'],
  additionalProperties: false,
  properties: {
    key: { type: 'string', minLength: 1, maxLength: CHECK_BOUNDS.keyMaxLength, pattern: PRINTABLE_PATTERN },
    customerId: { type: 'string', minLength: 1, maxLength: CHECK_BOUNDS.customerIdMaxLength, pattern: PRINTABLE_PATTERN },
    route: { type: 'string', minLength: 1, maxLength: CHECK_BOUNDS.routeMaxLength, pattern: PRINTABLE_PATTERN },
    method: { type: 'string', minLength: 1, maxLength: CHECK_BOUNDS.methodMaxLength, pattern: '^[A-Za-z]+$' },
    cost: { type: 'integer', minimum: 1, maximum: CHECK_BOUNDS.costMax, default: 1 },
    limit: { type: 'integer', minimum: 1, maximum: CHECK_BOUNDS.limitMax },
    windowSeconds: { type: 'number', minimum: CHECK_BOUNDS.windowSecondsMin, maximum: CHECK_BOUNDS.windowSecondsMax },
    ip: { type: 'string', minLength: 2, maxLength: 45, anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] },
    dryRun: { type: 'boolean' },
    settle: { type: 'boolean' },
  },
  dependencies: {
    limit: ['windowSeconds'],
    windowSeconds: ['limit'],
  },
} as const;

/** What each field must be, phrased to follow the field name: `cost must be an integer from 1 to 1000000000`. */
export const CHECK_FIELD_RULES: Readonly<Record<keyof typeof CHECK_REQUEST_SCHEMA.properties, string>> = {
  key: `must be a string of 1 to ${CHECK_BOUNDS.keyMaxLength} printable characters`,
  customerId: `must be a string of 1 to ${CHECK_BOUNDS.customerIdMaxLength} printable characters`,
  route: `must be a string of 1 to ${CHECK_BOUNDS.routeMaxLength} printable characters`,
  method: `must be an HTTP method name of 1 to ${CHECK_BOUNDS.methodMaxLength} letters`,
  cost: `must be an integer from 1 to ${CHECK_BOUNDS.costMax}`,
  limit: `must be an integer from 1 to ${CHECK_BOUNDS.limitMax}`,
  windowSeconds: `must be a number of seconds from ${CHECK_BOUNDS.windowSecondsMin} to ${CHECK_BOUNDS.windowSecondsMax}`,
  ip: 'must be an IPv4 or IPv6 address',
  dryRun: 'must be a boolean',
  settle: 'must be a boolean',
};
