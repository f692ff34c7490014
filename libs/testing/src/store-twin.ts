import { algorithmFor, globalWindowStep, unadmissible, type GlobalWindowState, type StoreDecision, type StoreRequest } from '@rl/limiter-core';
import { normalized } from './vectors';

/** One decision of the twin, and what it wrote. */
export interface TwinOutcome {
  readonly decision: StoreDecision;
  /** When the decision wrote its state: the PX, in milliseconds, a Redis store sets on its keys. */
  readonly expiryMs: number | undefined;
}

/**
 * The TypeScript twin of a batching counter store: decides StoreRequests with limiter-core's step
 * functions (the six algorithms and globalWindowStep), applied in order at one `now` per batch,
 * the way one batch script call decides them. Dry runs and peeks write nothing; a cost above what
 * the limit can ever admit is answered by `unadmissible` without touching a state.
 *
 * States expire like the Redis keys a store writes: PX = max(1, ceil(ttlUs / 1000) + jitter)
 * milliseconds after the write, gone once the millisecond clock is past it. `expire` tells a test
 * which counters to delete in Redis at the same moment, so Redis' own wall clock never matters.
 */
export class StoreTwin {
  private readonly states = new Map<string, { state: unknown; expiresAtMs: number }>();

  /** Drops the states whose expiry has passed at `now` (µs); returns their counter keys. */
  expire(now: number): string[] {
    const nowMs = Math.floor(now / 1000);
    const expired: string[] = [];
    for (const [key, { expiresAtMs }] of this.states) {
      if (nowMs > expiresAtMs) expired.push(key);
    }
    for (const key of expired) this.states.delete(key);
    return expired;
  }

  /** Decides `requests` in order at `now` (µs); decision i writes with TTL jitter `jitterMs(i)`. */
  decideBatch(input: { requests: readonly StoreRequest[]; now: number; jitterMs: (index: number) => number }): TwinOutcome[] {
    const { now } = input;
    return input.requests.map((request, index) => {
      const refused = request.algorithm === 'global_window' ? undefined : unadmissible(request);
      if (refused !== undefined) return { decision: refused, expiryMs: undefined };
      const stored = this.states.get(request.key)?.state;
      const result =
        request.algorithm === 'global_window'
          ? globalWindowStep({ state: stored as GlobalWindowState | undefined, cap: request.cap, cost: request.cost, windowMs: request.windowMs, expectedStartMs: request.expectedStartMs, now })
          : algorithmFor(request.algorithm).step({ state: stored, params: { limit: request.limit, windowUs: request.windowUs, burst: request.burst }, cost: request.cost, now });
      let expiryMs: number | undefined;
      if (result.next !== undefined && request.dryRun !== true) {
        expiryMs = Math.max(1, Math.ceil(result.ttlUs / 1000) + input.jitterMs(index));
        this.states.set(request.key, { state: result.next, expiresAtMs: Math.floor(now / 1000) + expiryMs });
      }
      return { decision: normalized(result.decision), expiryMs };
    });
  }
}
