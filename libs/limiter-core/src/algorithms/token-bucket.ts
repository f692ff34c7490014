import type { Algorithm } from '../types';
import { meterStep, type MeterState } from './meter';

/** [tokensTaken, lastWriteUs]: the tokens missing from the bucket at lastWriteUs. */
export type TokenBucketState = MeterState;

/**
 * Token bucket. A bucket of `burst` tokens refills continuously at `limit / window`; a request
 * takes `cost` tokens or is denied.
 *
 * State: the tokens *taken* (missing from a full bucket), not the tokens left, and they come back
 * at the rate of the request's own parameters (meter.ts: the same step as the leaky bucket).
 * Limit changes therefore apply at once: `remaining = burst - taken` under the new burst, so a
 * raise from 3 to 5 after 3 were taken leaves 2, and a lowering below what was taken denies until
 * the bucket has refilled that far. Counters stored by earlier versions held tokens left; their key
 * suffix changed (`tu`, was `tb`), so each token bucket restarts full once after the upgrade.
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
  step: meterStep,
};
