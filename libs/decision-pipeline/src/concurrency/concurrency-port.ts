import type { LeaseView, RawDecision } from '@rl/limiter-core';
import type { LeaseToAcquire } from '@rl/redis-store';
import type { BreakerGuardedStore } from '../resilience/breaker-guarded-store';

/**
 * Concurrency limits (`POST /v1/acquire`, `POST /v1/release`) on the store that holds the
 * counters: the regional Redis (lua/concurrency) or the in-process store. Both reject with a
 * StoreError when the store cannot answer; the caller applies the policy's failure mode.
 */
export interface ConcurrencyPort {
  acquire(lease: LeaseToAcquire): Promise<RawDecision>;
  /** True when the lease was held and had not expired. */
  release(input: { readonly key: string; readonly leaseId: string }): Promise<boolean>;
  /** The leases of `key` held now, read without changing them (the caller inspector). */
  peek(input: { readonly key: string }): Promise<LeaseView>;
}

/** A concurrency port behind a connection's circuit breaker. */
export function guardedConcurrencyPort(input: { guard: BreakerGuardedStore; concurrency: ConcurrencyPort }): ConcurrencyPort {
  const { guard, concurrency } = input;
  return {
    acquire: (lease) => guard.guard(() => concurrency.acquire(lease)),
    release: (call) => guard.guard(() => concurrency.release(call)),
    peek: (call) => guard.guard(() => concurrency.peek(call)),
  };
}
