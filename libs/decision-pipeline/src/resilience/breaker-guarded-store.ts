import { StoreTimeoutError, StoreUnavailableError } from '@rl/limiter-core';
import type { DecisionFor, DecisionStore, StoreRequest } from '../store-port';
import type { CircuitBreaker } from './circuit-breaker';

/**
 * The breaker of a store is open (or its one probe is out): the store was not called. It carries
 * nothing specific to one call, so each guarded store throws one shared instance (`forStore`):
 * while Redis is down every decision is rejected this way, and building an Error (with its stack
 * trace) per decision cost ~3% of the enforcer's CPU.
 */
export class StoreCircuitOpenError extends StoreUnavailableError {
  constructor(store: string) {
    super(`${store} counter store: circuit open, not called`, { cause: undefined });
  }

  private static readonly shared = new Map<string, StoreCircuitOpenError>();

  /** The one instance thrown for `store`. */
  static forStore(store: string): StoreCircuitOpenError {
    let error = StoreCircuitOpenError.shared.get(store);
    if (error === undefined) {
      error = new StoreCircuitOpenError(store);
      StoreCircuitOpenError.shared.set(store, error);
    }
    return error;
  }
}

/**
 * A store behind its circuit breaker, for every kind of decision (regional and global). While the
 * breaker is open, `decide` rejects with StoreCircuitOpenError at once, without touching the
 * connection. A StoreTimeoutError counts as a missed deadline (it opens the breaker at once); any
 * other rejection as a failure.
 *
 * What a StoreTimeoutError means is the store's business: the Redis tiers raise it only when the
 * connection went silent (withProgressDeadline), never because our own event loop was late. So
 * neither a burst of requests nor a GC pause can open this breaker.
 */
export class BreakerGuardedStore implements DecisionStore {
  constructor(
    readonly name: string,
    private readonly store: DecisionStore,
    readonly breaker: CircuitBreaker,
  ) {}

  decide<R extends StoreRequest>(request: R): Promise<DecisionFor<R>> {
    return this.guard(() => this.store.decide(request));
  }

  /**
   * Runs any other call on the same connection (hot-key leases) behind this store's breaker: it
   * is rejected while the breaker is open, and its outcome moves the breaker like a decision's.
   */
  async guard<T>(call: () => Promise<T>): Promise<T> {
    const ticket = this.breaker.acquire();
    if (ticket === 'reject') throw StoreCircuitOpenError.forStore(this.name);
    let result: T;
    try {
      result = await call();
    } catch (error) {
      // Every call is settled with the breaker (a probe left unsettled would keep it half-open);
      // anything but a StoreError is a bug and passes on untouched.
      this.breaker.record(ticket, error instanceof StoreTimeoutError ? 'deadline' : 'failure');
      throw error;
    }
    this.breaker.record(ticket, 'success');
    return result;
  }
}
