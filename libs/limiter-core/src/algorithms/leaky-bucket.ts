import type { Algorithm } from '../types';
import { meterStep, type MeterState } from './meter';

/** [level, lastDrainUs] */
export type LeakyBucketState = MeterState;

/**
 * Leaky bucket as a meter. Each request pours `cost` into a bucket of capacity `burst` that
 * drains at `limit / window`; a request that would overflow it is denied.
 *
 * State: the level, i.e. the units used, draining at the rate of the request's own parameters
 * (meter.ts). Limit changes apply at once: `remaining = burst - level` under the new burst, so a
 * raise from 3 to 5 at level 3 leaves 2, and a lowering below the level denies until it has
 * drained that far. (This state always held usage; its key suffix `lb` is unchanged.)
 *
 * Trade-offs:
 * - Memory: two numbers per key.
 * - Burst: a meter is the token bucket seen from the other side (level = tokens taken), so it
 *   admits the same traffic; it reads naturally to operators who think in "fill level".
 * - Boundaries: none; draining is continuous.
 * - It is not a queue: a request is never delayed, only admitted or denied.
 */
export const leakyBucket: Algorithm<LeakyBucketState> = {
  name: 'leaky_bucket',
  step: meterStep,
};
