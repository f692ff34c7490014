import { windowStart } from '../algorithms/fixed-window';
import { usedAt, type MeterState } from '../algorithms/meter';
import { clampRemaining } from '../numeric';
import { ALGORITHMS, type AlgorithmName, type LimitParams } from '../types';

/**
 * The algorithms whose counter a settle can adjust: the meter (token bucket, GCRA, leaky bucket)
 * and the fixed window, whose states are "units used" that a difference can be added to. The
 * sliding algorithms weigh or log each admission by time, so a later correction has no exact
 * place in them; their decisions are never recorded.
 */
export const SETTLEABLE_ALGORITHMS = ['token_bucket', 'gcra', 'leaky_bucket', 'fixed_window'] as const;
export type SettleableAlgorithm = (typeof SETTLEABLE_ALGORITHMS)[number];

export function isSettleable(algorithm: AlgorithmName): algorithm is SettleableAlgorithm {
  return (SETTLEABLE_ALGORITHMS as readonly string[]).includes(algorithm);
}

/** The algorithm's number in decision records and scripts: its 1-based place in ALGORITHMS (as batch.lua). */
export function algorithmKind(algorithm: AlgorithmName): number {
  return ALGORITHMS.indexOf(algorithm) + 1;
}

/**
 * What is remembered of one admitted decision so that its cost can be settled later. Written by
 * the store right after the decision (Redis: settle/record.lua), beside the counter, under its
 * hash tag; it outlives `expiresAtUs` by a grace period only so that a late settle can be told
 * "expired" rather than "unknown".
 */
export interface DecisionRecord {
  readonly algorithm: SettleableAlgorithm;
  readonly params: LimitParams;
  /** The `cost` the decision consumed. */
  readonly estimatedCost: number;
  readonly decidedAtUs: number;
  /** Settles at or after this time change nothing: see decisionExpiryUs. */
  readonly expiresAtUs: number;
  /** The actual cost of the settle that was applied; undefined until one was. */
  readonly actualCost: number | undefined;
}

/**
 * When a decision can no longer be settled: one window after it for the meter (by then the units
 * it took have drained in full, so a correction would describe a past that no longer weighs), and
 * the end of its own window for the fixed window (the next window starts from zero).
 */
export function decisionExpiryUs(algorithm: SettleableAlgorithm, windowUs: number, decidedAtUs: number): number {
  return algorithm === 'fixed_window' ? windowStart(decidedAtUs, windowUs) + windowUs : decidedAtUs + windowUs;
}

/**
 * The expiry of a record written at `recordedAtUs`, just after its decision (settle/record.lua):
 * decisionExpiryUs, except that a fixed-window decision belongs to the window its counter was
 * written in (`counterWindowStartUs`, the counter's state) when that ends sooner: a record landing
 * just after the window's end then expires at that end, not a window later.
 */
export function recordExpiryUs(input: { algorithm: SettleableAlgorithm; windowUs: number; recordedAtUs: number; counterWindowStartUs: number | undefined }): number {
  const expiry = decisionExpiryUs(input.algorithm, input.windowUs, input.recordedAtUs);
  if (input.algorithm !== 'fixed_window' || input.counterWindowStartUs === undefined) return expiry;
  return Math.min(expiry, input.counterWindowStartUs + input.windowUs);
}

/**
 * `settled`: the difference was applied now; `repeated`: an earlier settle was applied, this one
 * changes nothing; `expired`: too late, nothing changed.
 */
export type SettleStatus = 'settled' | 'repeated' | 'expired';

export interface SettleInput {
  readonly record: DecisionRecord;
  /** The counter's state as the algorithm stores it: meter [used, lastWriteUs], fixed window [windowStartUs, count]. */
  readonly state: readonly number[] | undefined;
  readonly actualCost: number;
  /** Integer microseconds. */
  readonly now: number;
}

export interface SettleResult {
  readonly status: SettleStatus;
  /** Units left now, in [0, limit], after this settle. */
  readonly remaining: number;
  /** Microseconds until the counter is fully restored. */
  readonly resetUs: number;
  /** The counter state to write, or undefined to leave it as it is. */
  readonly next: readonly number[] | undefined;
  readonly ttlUs: number;
  /** The record with the applied actual cost, or undefined to leave it as it is. */
  readonly record: DecisionRecord | undefined;
}

/**
 * Settles one recorded decision: the counter is charged `actualCost - estimatedCost` when the
 * actual cost was higher, and refunded the difference when it was lower. Twin of
 * libs/redis-store/src/lua/settle/settle.lua (same arithmetic, same order).
 * - A refund never lifts the counter above its limit: the units used never go below zero.
 * - A charge is never refused: the units used may exceed the capacity (debt), and the requests
 *   after it are denied until it has drained (meter) or the window ends (fixed window).
 * - Only the first settle applies; a repeated one (whatever its actual cost) reports the counter
 *   and changes nothing. A settle at or after `expiresAtUs` changes nothing either.
 */
export function settleStep({ record, state, actualCost, now }: SettleInput): SettleResult {
  const status: SettleStatus = now >= record.expiresAtUs ? 'expired' : record.actualCost !== undefined ? 'repeated' : 'settled';
  const delta = status === 'settled' ? actualCost - record.estimatedCost : 0;
  const adjusted = adjustCounter({ algorithm: record.algorithm, params: record.params, state, delta, now });
  return { status, ...adjusted, record: status === 'settled' ? { ...record, actualCost } : undefined };
}

/** A counter after adjustCounter: what is left, and the state to write (undefined: unchanged). */
export interface AdjustedCounter {
  readonly remaining: number;
  readonly resetUs: number;
  readonly next: readonly number[] | undefined;
  readonly ttlUs: number;
}

/**
 * Adds `delta` units to what a counter has used: a negative delta (refund) never takes it below
 * zero used, a positive one (charge) is never refused and may take it above the capacity (debt).
 * Writes nothing for a delta of 0. The counting core of settleStep, and of a charge after the
 * response (Envoy's `apply_on_stream_done`). Twin of adjust_counter in lua/lib/settle.lua.
 */
export function adjustCounter(input: { algorithm: SettleableAlgorithm; params: LimitParams; state: readonly number[] | undefined; delta: number; now: number }): AdjustedCounter {
  const { state, delta, now } = input;
  const { limit, windowUs, burst } = input.params;
  if (input.algorithm === 'fixed_window') {
    const start = windowStart(now, windowUs);
    return adjustWindow({ limit, startUs: start, endUs: start + windowUs, state, delta, now });
  }
  let used = usedAt(state as MeterState | undefined, input.params, now);
  let next: readonly number[] | undefined;
  if (delta !== 0) {
    used = used + delta < 0 ? 0 : used + delta;
    next = [used, state !== undefined && state[1] > now ? state[1] : now];
  }
  const resetUs = Math.ceil((used * windowUs) / limit);
  return { remaining: clampRemaining(burst - used, limit), resetUs, next, ttlUs: resetUs };
}

/**
 * adjustCounter for the window [startUs, endUs) holding `now` (a fixed window's, or a calendar
 * window's): its count (state [windowStartUs, count]; a count of another window is void) after
 * adding `delta`. Twin of adjust_window in lua/lib/settle.lua.
 */
export function adjustWindow(input: { limit: number; startUs: number; endUs: number; state: readonly number[] | undefined; delta: number; now: number }): AdjustedCounter {
  const { limit, startUs, endUs, state, delta, now } = input;
  let count = state !== undefined && state[0] === startUs ? state[1] : 0;
  let next: readonly number[] | undefined;
  if (delta !== 0) {
    count = count + delta < 0 ? 0 : count + delta;
    next = [startUs, count];
  }
  return { remaining: clampRemaining(limit - count, limit), resetUs: count > 0 ? endUs - now : 0, next, ttlUs: endUs - now };
}

/** The key of a decision record: beside its counter, under the counter's hash tag, so one script call reaches both. */
export function decisionRecordKey(counterKey: string, nonce: string): string {
  return `${counterKey}:d:${nonce}`;
}
