/**
 * `POST /v1/settle` 200 body: the counter's state after the settle. 404 (unknown decision) and 410
 * (expired) answer `{ error, message }` instead.
 */
export interface SettleResponse {
  readonly decisionId: string;
  /** The `cost` of the check. */
  readonly estimatedCost: number;
  /** The actual cost applied: this settle's, or the first settle's when `repeated`. */
  readonly actualCost: number;
  readonly limit: number;
  /** Units left now; 0 while the caller is in debt. */
  readonly remaining: number;
  /** Seconds until the counter is fully restored. */
  readonly resetSeconds: number;
  readonly region: string;
  /** The decision had been settled before: this settle changed nothing. */
  readonly repeated?: true;
  /**
   * A stacked policy's decision: every limit's state, in the policy's order (`limit`, `remaining`
   * and `resetSeconds` above are the most constraining one's). `settled: false` for a limit whose
   * window was over when the decision was settled: it was left as it is.
   */
  readonly limits?: readonly SettledLimitState[];
}

export interface SettledLimitState {
  /** The limit's name in the policy's `limits`. */
  readonly name: string;
  readonly limit: number;
  readonly remaining: number;
  readonly resetSeconds: number;
  readonly settled: boolean;
}

/** Serialization schema of SettleResponse. */
export const SETTLE_RESPONSE_SCHEMA = {
  $id: 'rl.settle.response',
  type: 'object',
  required: ['decisionId', 'estimatedCost', 'actualCost', 'limit', 'remaining', 'resetSeconds', 'region'],
  properties: {
    decisionId: { type: 'string' },
    estimatedCost: { type: 'integer' },
    actualCost: { type: 'integer' },
    limit: { type: 'integer' },
    remaining: { type: 'integer' },
    resetSeconds: { type: 'number' },
    region: { type: 'string' },
    repeated: { type: 'boolean' },
    limits: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'limit', 'remaining', 'resetSeconds', 'settled'],
        properties: { name: { type: 'string' }, limit: { type: 'integer' }, remaining: { type: 'integer' }, resetSeconds: { type: 'number' }, settled: { type: 'boolean' } },
      },
    },
  },
} as const;
