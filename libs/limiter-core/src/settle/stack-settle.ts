import { windowStart } from '../algorithms/fixed-window';
import type { CalendarBounds } from '../stacked/calendar';
import { windowHolding } from '../stacked/calendar-window';
import type { LimitParams } from '../types';
import { adjustCounter, adjustWindow, type AdjustedCounter, type SettleableAlgorithm, type SettleStatus } from './settle';

/**
 * Settles of stacked policies whose every limit is settleable: one record for an admitted decision,
 * naming every limit, and settles and charges applied to every limit at once. Twin of
 * libs/redis-store/src/lua/settle/stack_*.lua (same arithmetic, same order); each limit is
 * adjusted as adjustCounter adjusts one counter, a calendar window as a fixed window with given
 * bounds (adjustWindow).
 */

/** One limit of a stack as a settle sees it: a calendar window (fixed_window) carries its bounds at the caller's clock. */
export interface SettleableLimit {
  readonly algorithm: SettleableAlgorithm;
  readonly params: LimitParams;
  readonly calendar: CalendarBounds | undefined;
}

/** One limit of a stacked record: a window limit keeps the window its decision counted in. */
export interface StackedRecordLimit {
  readonly algorithm: SettleableAlgorithm;
  readonly params: LimitParams;
  /** Window limits (fixed and calendar): the decision's window, and the next one's end; undefined for the meter. */
  readonly window: CalendarBounds | undefined;
  /** A calendar window (its state is kept apart from an epoch-aligned fixed window's). */
  readonly calendar: boolean;
  /** Settles at or after this time leave this limit as it is. */
  readonly expiresAtUs: number;
}

/** What is remembered of an admitted stacked decision (settle/stack_record.lua). */
export interface StackedDecisionRecord {
  readonly limits: readonly StackedRecordLimit[];
  readonly estimatedCost: number;
  readonly decidedAtUs: number;
  /** The latest limit's expiry: from then on a settle changes nothing. */
  readonly expiresAtUs: number;
  readonly actualCost: number | undefined;
}

/** The window of a window limit holding `t`: epoch-aligned for a fixed window, rolled over from its bounds for a calendar one. */
function limitWindow(limit: { algorithm: SettleableAlgorithm; params: LimitParams; calendar: CalendarBounds | undefined }, t: number): CalendarBounds | undefined {
  if (limit.calendar !== undefined) return windowHolding(limit.calendar, t);
  if (limit.algorithm !== 'fixed_window') return undefined;
  const startUs = windowStart(t, limit.params.windowUs);
  return { startUs, endUs: startUs + limit.params.windowUs, nextEndUs: startUs + 2 * limit.params.windowUs };
}

/**
 * One limit of a record written at `now`: the meter expires one window later; a window limit at
 * its window's end, or at once (its start) when its counter names an earlier window (the decision
 * counted there, and that window is over).
 */
export function recordStackLimit(input: { limit: SettleableLimit; state: readonly number[] | undefined; now: number }): StackedRecordLimit {
  const { limit, state, now } = input;
  const window = limitWindow(limit, now);
  const calendar = limit.calendar !== undefined;
  if (window === undefined) return { algorithm: limit.algorithm, params: limit.params, window: undefined, calendar, expiresAtUs: now + limit.params.windowUs };
  const expiresAtUs = state !== undefined && state[0] < window.startUs ? window.startUs : window.endUs;
  return { algorithm: limit.algorithm, params: limit.params, window, calendar, expiresAtUs };
}

/** A record of the limits (recordStackLimit each), settleable until the latest of their expiries. */
export function stackedRecord(input: { limits: readonly StackedRecordLimit[]; cost: number; now: number }): StackedDecisionRecord {
  const expiresAtUs = Math.max(...input.limits.map((limit) => limit.expiresAtUs));
  return { limits: input.limits, estimatedCost: input.cost, decidedAtUs: input.now, expiresAtUs, actualCost: undefined };
}

/** Adds `delta` units to one limit's counter at `now` (adjustWindow or adjustCounter's meter). */
export function adjustStackLimit(input: { limit: { algorithm: SettleableAlgorithm; params: LimitParams; calendar: CalendarBounds | undefined }; state: readonly number[] | undefined; delta: number; now: number }): AdjustedCounter {
  const { limit, state, delta, now } = input;
  const window = limitWindow(limit, now);
  if (window === undefined) return adjustCounter({ algorithm: limit.algorithm, params: limit.params, state, delta, now });
  return adjustWindow({ limit: limit.params.limit, startUs: window.startUs, endUs: window.endUs, state, delta, now });
}

/** One limit after a stacked settle: adjustStackLimit's result, and whether its own window was still open. */
export interface SettledStackLimit extends AdjustedCounter {
  readonly open: boolean;
}

/**
 * Settles a stacked record against the states of its limits (in order): settleStep's rules for
 * every limit whose own expiry is ahead; one whose window is over is left as it is. `expired` once
 * every limit's is over, `repeated` after a settle was applied.
 */
export function settleStackStep(input: { record: StackedDecisionRecord; states: readonly (readonly number[] | undefined)[]; actualCost: number; now: number }): {
  status: SettleStatus;
  limits: SettledStackLimit[];
  record: StackedDecisionRecord | undefined;
} {
  const { record, states, actualCost, now } = input;
  const status: SettleStatus = now >= record.expiresAtUs ? 'expired' : record.actualCost !== undefined ? 'repeated' : 'settled';
  const limits = record.limits.map((limit, index): SettledStackLimit => {
    const open = now < limit.expiresAtUs;
    const delta = status === 'settled' && open ? actualCost - record.estimatedCost : 0;
    const adjusted = adjustStackLimit({ limit: { algorithm: limit.algorithm, params: limit.params, calendar: limit.window }, state: states[index], delta, now });
    return { ...adjusted, open };
  });
  return { status, limits, record: status === 'settled' ? { ...record, actualCost } : undefined };
}
