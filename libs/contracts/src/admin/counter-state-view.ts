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
}

/** `GET /v1/counters`: every region's state of the counter, or why it could not be read there. */
export interface CountersView {
  readonly key: string;
  readonly policyId: string | undefined;
  readonly customerId: string | undefined;
  readonly regions: Readonly<Record<string, CounterStateView | { readonly unreachable: true; readonly reason: string }>>;
}
