import type { Algorithm } from '../types';
import { meterStep, type MeterState } from './meter';

/** [owedIntervals, lastSeenUs]: how many emission intervals the theoretical arrival time (TAT) ran ahead of lastSeenUs. */
export type GcraState = MeterState;

/**
 * GCRA (generic cell rate algorithm). Each unit of cost advances a theoretical arrival time by
 * the emission interval T = window / limit; a request is admitted while the TAT stays within
 * `burst * T` of now.
 *
 * State: the TAT's lead over the last time the key was seen, counted in emission intervals (units
 * owed), not in microseconds. In microseconds the lead is `owed * T` with T of the request's own
 * parameters, so it shrinks by one interval per T of elapsed time, and the admission test
 * `lead + cost * T <= burst * T` is `owed + cost <= burst`: the continuous meter of meter.ts, which
 * is why GCRA admits exactly what a token bucket of the same burst and rate admits. Limit changes
 * apply at once: raising limit 3 to 5 with 3 owed leaves 2, and a lowering below what is owed
 * denies until enough intervals have passed. Counters stored by earlier versions held the lead in
 * microseconds of the old T; their key suffix changed (`gu`, was `gc`), so each restarts once.
 *
 * Precision: the lead is relative to the last-seen time (an integer µs), never an absolute TAT:
 * at epoch-scale magnitudes a double cannot resolve sub-microsecond emission intervals, and the
 * relative count keeps full precision for any limit up to 1e9.
 *
 * Trade-offs:
 * - Memory: two numbers per key.
 * - Burst: up to `burst` at once, then exactly one unit per T: the smoothest spacing of the set.
 * - Boundaries: none.
 * - Retry times are exact: the moment the lead has shrunk enough for the cost.
 */
export const gcra: Algorithm<GcraState> = {
  name: 'gcra',
  step: meterStep,
};
