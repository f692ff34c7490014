import { CHECK_BOUNDS } from './check-bounds';

/**
 * The shape of a decision id: `s1.<expiry>.<nonce>.<counter>` for a recorded (settleable) decision,
 * `n1.<instance>.<sequence>` for any other. Base-36 and base64url parts only.
 */
export const DECISION_ID_PATTERN = '^(s1\\.[0-9a-z]{1,12}\\.[A-Za-z0-9_-]{16}\\.[A-Za-z0-9_-]{8,1100}|n1\\.[a-z0-9]{1,16}\\.[a-z0-9]{1,16})$';

/** Fastify JSON schema of the `POST /v1/settle` body; compile it like CHECK_REQUEST_SCHEMA (no coercion, no removal). */
export const SETTLE_REQUEST_SCHEMA = {
  $id: 'rl.settle.request',
  type: 'object',
  required: ['decisionId', 'actualCost'],
  additionalProperties: false,
  properties: {
    decisionId: { type: 'string', minLength: 4, maxLength: 1200, pattern: DECISION_ID_PATTERN },
    actualCost: { type: 'integer', minimum: 0, maximum: CHECK_BOUNDS.costMax },
  },
} as const;

/** What each field must be, phrased to follow the field name. */
export const SETTLE_FIELD_RULES: Readonly<Record<keyof typeof SETTLE_REQUEST_SCHEMA.properties, string>> = {
  decisionId: 'must be the decisionId of a check answer',
  actualCost: `must be an integer from 0 to ${CHECK_BOUNDS.costMax}`,
};
