/** Serialization schema of CheckResponse, for a fast precompiled serializer on the hot path. */
export const CHECK_RESPONSE_SCHEMA = {
  $id: 'rl.check.response',
  type: 'object',
  required: ['allowed', 'limit', 'remaining', 'resetSeconds', 'retryAfterSeconds', 'policy', 'region'],
  properties: {
    allowed: { type: 'boolean' },
    limit: { type: 'integer' },
    remaining: { type: 'integer' },
    resetSeconds: { type: 'number' },
    retryAfterSeconds: { type: 'number' },
    policy: {
      type: 'object',
      required: ['id', 'version'],
      properties: { id: { type: 'string' }, version: { type: 'integer' } },
    },
    region: { type: 'string' },
    shadow: { type: 'boolean' },
    wouldDeny: { type: 'boolean' },
    degraded: { type: 'boolean' },
    blocked: { type: 'boolean' },
    overloaded: { type: 'boolean' },
    reason: { type: 'string' },
    dryRun: { type: 'boolean' },
    matched: { type: 'string' },
    'violated-policies': { type: 'array', items: { type: 'string' } },
    violated: { type: 'array', items: { type: 'string' } },
  },
} as const;
