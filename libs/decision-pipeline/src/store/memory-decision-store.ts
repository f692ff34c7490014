import { globalWindowStep, LocalLimiter, MemoryStateStore, systemClock, type Clock, type GlobalWindowDecision, type GlobalWindowRequest, type GlobalWindowState } from '@rl/limiter-core';
import { isGlobalRequest, type BatchCounterStore, type DecisionFor, type DecisionStore, type StoreDecision, type StoreRequest } from '../store-port';

/**
 * Every kind of decision in process memory, with the same semantics as the Redis scripts: the
 * LocalLimiter for the six algorithms, globalWindowStep for global windows. For tests,
 * single-instance experiments and library mode; it never fails.
 */
export class MemoryDecisionStore implements DecisionStore, BatchCounterStore {
  private readonly limits: LocalLimiter;
  private readonly windows: MemoryStateStore<GlobalWindowState>;
  private readonly clock: Clock;

  constructor(options: { clock?: Clock; maxKeys?: number } = {}) {
    this.clock = options.clock ?? systemClock;
    this.limits = new LocalLimiter({ clock: this.clock, maxKeys: options.maxKeys });
    this.windows = new MemoryStateStore(options.maxKeys ?? 100_000);
  }

  decide<R extends StoreRequest>(request: R): Promise<DecisionFor<R>> {
    return Promise.resolve(this.decideSync(request) as DecisionFor<R>);
  }

  decideMany(requests: readonly StoreRequest[]): Promise<StoreDecision[]> {
    return Promise.resolve(requests.map((request) => this.decideSync(request)));
  }

  /** Drops the state of counter `key`, as if it had expired. */
  forget(key: string): void {
    this.limits.forget(key);
    this.windows.delete(key);
  }

  decideSync(request: StoreRequest): StoreDecision {
    if (isGlobalRequest(request)) return this.decideWindow(request);
    return request.algorithm === 'stacked' ? this.limits.decideStackedSync(request) : this.limits.decideSync(request);
  }

  private decideWindow(request: GlobalWindowRequest): GlobalWindowDecision {
    const now = this.clock.nowMicros();
    const result = globalWindowStep({ state: this.windows.get(request.key, now), ...request, now });
    if (result.next !== undefined) this.windows.set(request.key, result.next, now + result.ttlUs);
    return result.decision;
  }
}
