import { clampRemaining, settleRetry } from '../numeric';
import type { LimitParams, StepInput, StepResult } from '../types';

/** [used, lastWriteUs]: the units counted against the bucket at lastWriteUs. */
export type MeterState = readonly [number, number];

/**
 * The continuous meter shared by the token bucket, the leaky bucket and GCRA, which admit the same
 * traffic and differ only in how they are usually described (tokens left, fill level, theoretical
 * arrival time). The state is the units *used*, not the units left: they drain continuously at
 * `limit / window` of the request's own parameters, and a request is admitted while
 * `used + cost <= burst`.
 *
 * Limit changes: because the state holds what was used, a decision under new parameters sees at
 * once "new capacity minus what was used": raising limit 3 to 5 after 3 were used leaves 2, and a
 * lowering below what was used denies until enough has drained (at the new rate). Nothing is
 * rescaled or rewritten when parameters change.
 *
 * Numeric care: `used` is a double relative to the last write time (an integer µs), never an
 * absolute epoch-scale timestamp, so sub-microsecond drain rates (limits up to 1e9 per window)
 * keep full precision. Costs are integers, so a burst taken at one instant sums exactly.
 *
 * A cost of 0 is a peek: always allowed, it reports the current remaining and reset and writes
 * nothing.
 */
export function meterStep({ state, params, cost, now }: StepInput<MeterState>): StepResult<MeterState> {
  const { limit, windowUs, burst } = params;
  let used = usedAt(state, params, now);
  const allowed = cost === 0 || used + cost <= burst;
  let next: MeterState | undefined;
  if (allowed && cost > 0) {
    used += cost;
    next = [used, state && state[1] > now ? state[1] : now];
  }
  const resetUs = Math.ceil((used * windowUs) / limit);
  let retryAfterUs = 0;
  if (!allowed) {
    const candidate = Math.ceil(((used + cost - burst) * windowUs) / limit);
    retryAfterUs = settleRetry(candidate, (w) => usedAt(state, params, now + w) + cost <= burst);
  }
  return {
    decision: { allowed, remaining: clampRemaining(burst - used, limit), resetUs, retryAfterUs },
    next,
    ttlUs: resetUs,
  };
}

/** The units used at `t`: the stored units less what drained since the write (never below 0; no drain while the clock reads earlier). */
export function usedAt(state: MeterState | undefined, { limit, windowUs }: LimitParams, t: number): number {
  if (state === undefined) return 0;
  const elapsed = t > state[1] ? t - state[1] : 0;
  const used = state[0] - (elapsed * limit) / windowUs;
  return used < 0 ? 0 : used;
}
