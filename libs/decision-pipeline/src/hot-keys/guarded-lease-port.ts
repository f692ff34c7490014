import type { RedisLeaseStore } from '@rl/redis-store';
import type { BreakerGuardedStore } from '../resilience/breaker-guarded-store';
import type { LeasePort } from './hot-key-store';

/** The lease scripts of one Redis connection, behind that connection's circuit breaker. */
export function guardedLeasePort(input: { guard: BreakerGuardedStore; leases: RedisLeaseStore }): LeasePort {
  const { guard, leases } = input;
  return {
    usable: () => guard.breaker.state === 'closed',
    acquire: (call) => guard.guard(() => leases.acquire(call)),
    release: (call) => guard.guard(() => leases.release(call)),
    acquireStack: (call) => guard.guard(() => leases.acquireStack(call)),
    releaseStack: (call) => guard.guard(() => leases.releaseStack(call)),
  };
}
