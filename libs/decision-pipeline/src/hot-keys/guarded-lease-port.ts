import type { RedisLeaseStore } from '@rl/redis-store';
import type { BreakerGuardedStore } from '../resilience/breaker-guarded-store';
import type { LeasePort } from './hot-key-store';

/**
 * The lease scripts of one Redis connection, behind that connection's circuit breaker, each call
 * bounded by `bound` (the connection's progress deadline).
 */
export function guardedLeasePort(input: {
  guard: BreakerGuardedStore;
  leases: RedisLeaseStore;
  bound: <T>(work: Promise<T>, context: string) => Promise<T>;
}): LeasePort {
  const { guard, leases, bound } = input;
  return {
    usable: () => guard.breaker.state === 'closed',
    acquire: (call) => guard.guard(() => bound(leases.acquire(call), 'lease acquisition')),
    release: (call) => guard.guard(() => bound(leases.release(call), 'lease return')),
  };
}
