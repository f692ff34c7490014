import { globalWindowStep, MemoryStateStore, systemClock, type Clock, type GlobalWindowDecision, type GlobalWindowRequest, type GlobalWindowState, type GlobalWindowStore } from '@rl/limiter-core';
import { StoreError, StoreTimeoutError } from '@rl/redis-store';
import type { CircuitBreaker } from '../resilience/circuit-breaker';
import { StoreCircuitOpenError } from '../resilience/guarded-store';

/**
 * Global-window decisions through one Redis connection's circuit breaker: the same breaker as the
 * regional decisions of that connection (RedisTier), so a Redis that fails one kind of decision
 * is kept off both. Mirrors BreakerGuardedStore.
 */
export class BreakerGuardedGlobalStore implements GlobalWindowStore {
  constructor(
    readonly name: string,
    private readonly store: GlobalWindowStore,
    private readonly breaker: CircuitBreaker,
  ) {}

  async decideGlobal(request: GlobalWindowRequest): Promise<GlobalWindowDecision> {
    const ticket = this.breaker.acquire();
    if (ticket === 'reject') throw StoreCircuitOpenError.forStore(this.name);
    let decision: GlobalWindowDecision;
    try {
      decision = await this.store.decideGlobal(request);
    } catch (error) {
      this.breaker.record(ticket, error instanceof StoreTimeoutError ? 'deadline' : 'failure');
      throw error;
    }
    this.breaker.record(ticket, 'success');
    return decision;
  }
}

/**
 * The regional Redis, then the optional secondary, for global-window decisions (as TieredStore).
 * The secondary counts in its own Redis: while it serves, the region's count restarts there, which
 * can admit up to one more cap in that window; the failure is the exception the secondary exists for.
 */
export class TieredGlobalStore implements GlobalWindowStore {
  constructor(
    private readonly primary: GlobalWindowStore,
    private readonly secondary: GlobalWindowStore | undefined,
  ) {}

  async decideGlobal(request: GlobalWindowRequest): Promise<GlobalWindowDecision> {
    if (this.secondary === undefined) return this.primary.decideGlobal(request);
    try {
      return await this.primary.decideGlobal(request);
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
    }
    return this.secondary.decideGlobal(request);
  }
}

/** Global-window decisions in process memory (globalWindowStep): for tests and single-instance experiments. */
export class LocalGlobalWindowStore implements GlobalWindowStore {
  private readonly states: MemoryStateStore<GlobalWindowState>;

  constructor(private readonly options: { clock?: Clock; maxKeys?: number } = {}) {
    this.states = new MemoryStateStore(options.maxKeys ?? 100_000);
  }

  decideGlobal(request: GlobalWindowRequest): Promise<GlobalWindowDecision> {
    const now = (this.options.clock ?? systemClock).nowMicros();
    const result = globalWindowStep({ state: this.states.get(request.key, now), ...request, now });
    if (result.next !== undefined) this.states.set(request.key, result.next, now + result.ttlUs);
    return Promise.resolve(result.decision);
  }
}
