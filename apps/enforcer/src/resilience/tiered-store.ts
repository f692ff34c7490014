import type { CounterStore, LimitRequest, RawDecision } from '@rl/limiter-core';
import { StoreError } from '@rl/redis-store';

/**
 * The Redis tiers of the counter store, tried in order: the regional Redis, then the optional
 * secondary. Each tier sits behind its own breaker, so a dead tier costs no wait. When every tier
 * fails, the last StoreError is passed on and the check path applies the policy's failure mode
 * (the third tier: local buckets, or a 503).
 */
export class TieredStore implements CounterStore {
  constructor(
    private readonly primary: CounterStore,
    private readonly secondary: CounterStore | undefined,
  ) {}

  async decide(request: LimitRequest): Promise<RawDecision> {
    if (this.secondary === undefined) return this.primary.decide(request);
    try {
      return await this.primary.decide(request);
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
    }
    return this.secondary.decide(request);
  }
}
