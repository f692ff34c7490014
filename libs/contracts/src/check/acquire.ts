import { CHECK_RESPONSE_SCHEMA } from './check-response.schema';
import type { CheckResponse } from './check-response';

/**
 * `POST /v1/acquire` body on 200, 429 and 503: a check's body (limit, remaining and reset count
 * leases in flight) and, when allowed, the lease to release (`POST /v1/release`).
 */
export interface AcquireResponse extends CheckResponse {
  readonly leaseId?: string;
}

/** Serialization schema of AcquireResponse. */
export const ACQUIRE_RESPONSE_SCHEMA = {
  ...CHECK_RESPONSE_SCHEMA,
  $id: 'rl.acquire.response',
  properties: { ...CHECK_RESPONSE_SCHEMA.properties, leaseId: { type: 'string' } },
} as const;

/**
 * A lease id: `l1.<nonce>.<key>` for a lease held in the regional store (the key base64url), or
 * `u1.<instance>.<sequence>` for an admission that holds nothing (no concurrency policy matched,
 * or the store was down and the policy fails open).
 */
export const LEASE_ID_PATTERN = '^(l1\\.[A-Za-z0-9_-]{16}\\.[A-Za-z0-9_-]{8,1100}|u1\\.[a-z0-9]{1,16}\\.[a-z0-9]{1,16})$';

/** `POST /v1/release` request body. */
export interface ReleaseRequest {
  readonly leaseId: string;
}

/** Fastify JSON schema of the `POST /v1/release` body (no coercion, no removal). */
export const RELEASE_REQUEST_SCHEMA = {
  $id: 'rl.release.request',
  type: 'object',
  required: ['leaseId'],
  additionalProperties: false,
  properties: {
    leaseId: { type: 'string', minLength: 4, maxLength: 1200, pattern: LEASE_ID_PATTERN },
  },
} as const;

export const RELEASE_FIELD_RULES: Readonly<Record<keyof typeof RELEASE_REQUEST_SCHEMA.properties, string>> = {
  leaseId: 'must be the leaseId of an acquire answer',
};
