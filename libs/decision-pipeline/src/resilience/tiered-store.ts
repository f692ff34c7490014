import { StoreError } from '@rl/limiter-core';
import type { DecisionFor, DecisionStore, StoreRequest } from '../store-port';

/**
 * The Redis tiers of the counter store, tried in order: the regional Redis, then the optional
 * secondary. Each tier sits behind its own breaker, so a dead tier costs no wait. When every tier
 * fails, the last StoreError is passed on and the pipeline applies the policy's failure mode (the
 * third tier: local buckets, or a 503).
 *
 * A global-window decision on the secondary counts in the secondary's own Redis: while it serves,
 * the region's count restarts there, which can admit up to one more cap in that window; the
 * failure is the exception the secondary exists for.
 */
export class TieredStore implements DecisionStore {
  constructor(
    private readonly primary: DecisionStore,
    private readonly secondary: DecisionStore | undefined,
  ) {}

  async decide<R extends StoreRequest>(request: R): Promise<DecisionFor<R>> {
    if (this.secondary === undefined) return this.primary.decide(request);
    try {
      return await this.primary.decide(request);
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
    }
    return this.secondary.decide(request);
  }
}
