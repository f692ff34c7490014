/** Bounds of decision events and their batches, shared by the enforcer (publisher) and the policy service (consumer). */
export const DECISION_EVENT_BOUNDS = {
  /** Events one NATS message may hold. */
  maxEventsPerBatch: 1_000,
  /** Larger payloads are rejected before parsing. */
  maxBatchBytes: 1_048_576,
  /** Event timestamps, milliseconds since the Unix epoch (2000-01-01 .. 2100-01-01). */
  timeMs: { min: 946_684_800_000, max: 4_102_444_800_000 },
  /** Decision latency, milliseconds. */
  latencyMs: { min: 0, max: 600_000 },
  /** Batch sequence per instance. */
  sequence: { min: 0, max: Number.MAX_SAFE_INTEGER },
  /** Policy versions (0: the default, inline and blocked references). */
  policyVersion: { min: 0, max: Number.MAX_SAFE_INTEGER },
} as const;

/** `keyHash`: the first 16 hex digits of SHA-256 of the counted key. Raw keys never leave the enforcer. */
export const KEY_HASH_RULE = { pattern: /^[0-9a-f]{16}$/, hint: '16 lowercase hex digits' } as const;

/** The publishing enforcer's INSTANCE_ID. */
export const INSTANCE_ID_RULE = { pattern: /^[A-Za-z0-9._-]{1,128}$/, hint: '1 to 128 characters from [A-Za-z0-9._-]' } as const;

/** A region name, as enforcers are configured with. */
export const EVENT_REGION_RULE = { pattern: /^[a-z0-9-]{1,32}$/, hint: 'a region name of 1 to 32 characters from [a-z0-9-]' } as const;
