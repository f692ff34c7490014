import { clampRemaining, settleRetry } from '../numeric';
import type { Algorithm, LimitParams, StepInput, StepResult } from '../types';

/** [level, lastDrainUs] */
export type LeakyBucketState = readonly [number, number];

/**
 * Leaky bucket as a meter. Each request pours `cost` into a bucket of capacity `burst` that
 * drains at `limit / window`; a request that would overflow it is denied.
 *
 * Trade-offs:
 * - Memory: two numbers per key.
 * - Burst: a meter is the token bucket seen from the other side (level = burst - tokens), so it
 *   admits the same traffic; it reads naturally to operators who think in "fill level" and it
 *   starts empty rather than full.
 * - Boundaries: none; draining is continuous.
 * - It is not a queue: a request is never delayed, only admitted or denied.
 */
export const leakyBucket: Algorithm<LeakyBucketState> = {
  name: 'leaky_bucket',
  step({ state, params, cost, now }: StepInput<LeakyBucketState>): StepResult<LeakyBucketState> {
    const { limit, windowUs, burst } = params;
    let level = levelAt(state, params, now);
    const allowed = level + cost <= burst;
    let next: LeakyBucketState | undefined;
    if (allowed) {
      level += cost;
      next = [level, state && state[1] > now ? state[1] : now];
    }
    const resetUs = Math.ceil((level * windowUs) / limit);
    let retryAfterUs = 0;
    if (!allowed) {
      const candidate = Math.ceil(((level + cost - burst) * windowUs) / limit);
      retryAfterUs = settleRetry(candidate, (w) => levelAt(state, params, now + w) + cost <= burst);
    }
    return {
      decision: { allowed, remaining: clampRemaining(burst - level, limit), resetUs, retryAfterUs },
      next,
      ttlUs: resetUs,
    };
  },
};

function levelAt(state: LeakyBucketState | undefined, { limit, windowUs }: LimitParams, now: number): number {
  if (state === undefined) return 0;
  const elapsed = now > state[1] ? now - state[1] : 0;
  const level = state[0] - (elapsed * limit) / windowUs;
  return level < 0 ? 0 : level;
}
