import { clampRemaining, settleRetry } from '../numeric';
import type { Algorithm, LimitParams, StepInput, StepResult } from '../types';

/** [tokens, lastRefillUs] */
export type TokenBucketState = readonly [number, number];

/**
 * Token bucket. A bucket of `burst` tokens refills continuously at `limit / window`; a request
 * takes `cost` tokens or is denied.
 *
 * Trade-offs:
 * - Memory: two numbers per key.
 * - Burst: admits up to `burst` at once after a quiet period, then the steady rate. This is the
 *   natural fit for APIs that tolerate short spikes.
 * - Boundaries: none; refill is continuous. Over any interval t it admits at most
 *   `burst + t * limit / window`.
 * - A denied request writes nothing (the refill is derivable), so denials are read-only.
 */
export const tokenBucket: Algorithm<TokenBucketState> = {
  name: 'token_bucket',
  step({ state, params, cost, now }: StepInput<TokenBucketState>): StepResult<TokenBucketState> {
    const { limit, windowUs, burst } = params;
    let tokens = tokensAt(state, params, now);
    const allowed = cost <= tokens;
    let next: TokenBucketState | undefined;
    if (allowed) {
      tokens -= cost;
      next = [tokens, state && state[1] > now ? state[1] : now];
    }
    const resetUs = Math.ceil(((burst - tokens) * windowUs) / limit);
    let retryAfterUs = 0;
    if (!allowed) {
      const candidate = Math.ceil(((cost - tokens) * windowUs) / limit);
      retryAfterUs = settleRetry(candidate, (w) => cost <= tokensAt(state, params, now + w));
    }
    return {
      decision: { allowed, remaining: clampRemaining(tokens, limit), resetUs, retryAfterUs },
      next,
      ttlUs: resetUs,
    };
  },
};

function tokensAt(state: TokenBucketState | undefined, { limit, windowUs, burst }: LimitParams, now: number): number {
  if (state === undefined) return burst;
  const elapsed = now > state[1] ? now - state[1] : 0;
  const tokens = state[0] + (elapsed * limit) / windowUs;
  return tokens > burst ? burst : tokens;
}
