/**
 * Arithmetic shared by the algorithms. Mirrored exactly in libs/redis-store/src/lua/lib/common.lua:
 * both sides use IEEE doubles and perform the same operations in the same order.
 */

export function clampRemaining(value: number, limit: number): number {
  const floored = Math.floor(value);
  if (floored < 0) return 0;
  return floored > limit ? limit : floored;
}

/** Relative tolerance for comparisons against a capacity that was reached by summing fractions. */
export const CAPACITY_EPSILON = 1e-12;

/**
 * Turns an analytic estimate of a retry delay into one that is verified: the smallest probed
 * `w >= candidate` (probing candidate, +1, +3, +7, ... µs) at which `admits(w)` holds. The analytic
 * formula can be a hair short because of rounding; the probe evaluates the very expression the
 * next request will evaluate, so "retry after w" is a promise, not an estimate.
 */
export function settleRetry(candidate: number, admits: (waitUs: number) => boolean): number {
  let wait = candidate < 1 ? 1 : candidate;
  let step = 1;
  for (let i = 0; i < 64; i++) {
    if (admits(wait)) return wait;
    wait += step;
    step *= 2;
  }
  return wait;
}
