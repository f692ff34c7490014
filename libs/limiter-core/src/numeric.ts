/**
 * Arithmetic shared by the algorithms. Mirrored exactly in libs/redis-store/src/lua/lib/common.lua:
 * both sides use IEEE doubles and perform the same operations in the same order.
 */

export function clampRemaining(value: number, limit: number): number {
  const floored = Math.floor(value);
  if (floored < 0) return 0;
  return floored > limit ? limit : floored;
}

/**
 * Turns an analytic estimate of a retry delay into one that is verified: the first probed `w` at
 * which `admits(w)` holds, probing candidate - 1, then candidate, +1, +3, +7, ... µs (never below
 * 1). The analytic formula can be a hair off either way because of rounding; the probe evaluates
 * the very expression the next request will evaluate, so "retry after w" is a promise, not an
 * estimate.
 */
export function settleRetry(candidate: number, admits: (waitUs: number) => boolean): number {
  // The estimate is a ceiling of a value that rounding may have pushed a hair above a whole
  // number: one microsecond less may already admit.
  if (candidate > 1 && admits(candidate - 1)) return candidate - 1;
  let wait = candidate < 1 ? 1 : candidate;
  let step = 1;
  for (let i = 0; i < 64; i++) {
    if (admits(wait)) return wait;
    wait += step;
    step *= 2;
  }
  return wait;
}
