import { CAPACITY_EPSILON, clampRemaining, settleRetry } from '../numeric';
import type { Algorithm, StepInput, StepResult } from '../types';

/** [debtUs, lastSeenUs]: how far the theoretical arrival time (TAT) ran ahead of `lastSeenUs`. */
export type GcraState = readonly [number, number];

/**
 * GCRA (generic cell rate algorithm). Each unit of cost advances a theoretical arrival time by
 * the emission interval T = window / limit; a request is admitted while the TAT stays within
 * `burst * T` of now.
 *
 * The TAT is stored relative to the last time the key was seen (as a "debt" in µs) rather than
 * as an absolute timestamp: at epoch-scale magnitudes a double cannot resolve sub-microsecond
 * emission intervals, and a relative debt keeps full precision for any limit up to 1e9.
 *
 * Trade-offs:
 * - Memory: two numbers per key.
 * - Burst: up to `burst` at once, then exactly one unit per T: the smoothest spacing of the set.
 * - Boundaries: none.
 * - Admits the same traffic as a token bucket of the same burst and rate; it is offered because
 *   its time-based state makes retry times exact and cheap to compute.
 */
export const gcra: Algorithm<GcraState> = {
  name: 'gcra',
  step({ state, params, cost, now }: StepInput<GcraState>): StepResult<GcraState> {
    const { limit, windowUs, burst } = params;
    const interval = windowUs / limit;
    const capacity = burst * interval;
    let debt = debtAt(state, now);
    const allowed = fits(debt + cost * interval, capacity);
    let next: GcraState | undefined;
    if (allowed) {
      debt = debt + cost * interval;
      next = [debt, state && state[1] > now ? state[1] : now];
    }
    const resetUs = Math.ceil(debt);
    let retryAfterUs = 0;
    if (!allowed) {
      const candidate = Math.ceil(debt + cost * interval - capacity);
      retryAfterUs = settleRetry(candidate, (w) => fits(debtAt(state, now + w) + cost * interval, capacity));
    }
    return {
      decision: { allowed, remaining: clampRemaining((capacity - debt) / interval, limit), resetUs, retryAfterUs },
      next,
      ttlUs: resetUs,
    };
  },
};

function fits(debt: number, capacity: number): boolean {
  return debt <= capacity + capacity * CAPACITY_EPSILON;
}

function debtAt(state: GcraState | undefined, now: number): number {
  if (state === undefined) return 0;
  const elapsed = now > state[1] ? now - state[1] : 0;
  const debt = state[0] - elapsed;
  return debt < 0 ? 0 : debt;
}

