import type { PolicyRef } from '../check/policy-ref';

/**
 * One region's current state of one counter, as one of its enforcers sees it (internal
 * `GET /internal/v1/counters`, and per region in `GET /v1/counters`). Read without consuming (a
 * peek of the store); the lease and deny-cache fields are the answering instance's own.
 */
export interface CounterStateView {
  readonly region: string;
  /** The enforcer instance that answered (INSTANCE_ID). */
  readonly instance: string;
  readonly policy: PolicyRef;
  /** The counted identity. */
  readonly key: string;
  readonly algorithm: string;
  readonly scope: 'regional' | 'global';
  /** The policy's limit (for a global policy: this region's current allocation). */
  readonly limit: number;
  /** Units counted against the limit now: limit - remaining. */
  readonly used: number;
  readonly remaining: number;
  /** Seconds until the counter is fully restored. */
  readonly resetSeconds: number;
  /** Units this instance holds in a hot-key lease: already counted in the store, spent locally. */
  readonly leasedUnits: number;
  /** Whether this instance answers this key from its deny cache right now. */
  readonly denyCached: boolean;
  /**
   * A stacked policy: every limit's state, in the policy's order (the top-level `limit`, `used`,
   * `remaining` and `resetSeconds` describe the most constraining one, as a check's headers do).
   */
  readonly limits?: readonly CounterLimitStateView[];
  /**
   * A concurrency policy: the key's leases held now. The top-level `limit` is the leases allowed
   * in flight, `used` those held, and `resetSeconds` the time until every held lease has expired.
   */
  readonly leases?: LeaseStateView;
}

/** One limit of a stacked policy's counter. */
export interface CounterLimitStateView {
  /** The limit's name in headers and `violated-policies`: `<policy id>-<limit name>`. */
  readonly name: string;
  readonly limit: number;
  readonly used: number;
  readonly remaining: number;
  readonly resetSeconds: number;
}

/** A concurrency policy's leases of one key, read from the regional store without changing them. */
export interface LeaseStateView {
  /** Leases held now (not released, not expired). */
  readonly inFlight: number;
  /** Seconds until the earliest held lease expires, when a slot frees at the latest; 0 with none held. */
  readonly nextExpirySeconds: number;
}

/** `GET /v1/counters`: every region's state of the counter, or why it could not be read there. */
export interface CountersView {
  readonly key: string;
  readonly policyId: string | undefined;
  readonly customerId: string | undefined;
  readonly regions: Readonly<Record<string, CounterStateView | { readonly unreachable: true; readonly reason: string }>>;
}
