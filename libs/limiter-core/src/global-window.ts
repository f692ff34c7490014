import { windowStart } from './algorithms/fixed-window';
import { counterIdentity, flatKey } from './keys';
import { clampRemaining } from './numeric';
import type { RawDecision } from './types';

/**
 * A region's share of a global limit, counted in one aligned window: the TypeScript twin of
 * libs/redis-store/src/lua/global_window.lua.
 *
 * Global policies count in fixed windows aligned to the Unix epoch (windowStart = floor(now /
 * window) * window), whatever `algorithm` the policy names, so every region counts the same window.
 * A region admits `cost` only if its count + cost <= cap, where cap is the region's current
 * allocation for that key and window: the most the region may admit in the whole window
 * (cumulative, not a rate). So the regions together never admit more than the sum of the caps they
 * enforce, which the reconciler keeps <= the global limit.
 *
 * The caller picks the cap for the window it believes current (`expectedStartMs`), by its own
 * clock; the decision's time is the store's. When the two disagree (a request right at a window
 * boundary, clock skew), nothing is counted and the decision says `matched: false` with the
 * store's window start, so the caller asks again with the cap of that window: a cap is never
 * applied to a window it was not allocated for.
 *
 * Cap changes apply at once, as limit changes do for the regional algorithms: the state is the
 * region's count, so a raised cap admits `cap - count` more in the same window, and a cap lowered
 * below the count denies until the window ends. A cost of 0 (with `dryRun`) is a peek: allowed
 * when the window matches, with the remaining and reset, writing nothing.
 *
 * Trade-offs: the cheapest state (a count and the window start, like fixed_window); a full cap may
 * be spent at the start of a window.
 */

/** [count, windowStartUs]: the order of the values in the Lua state. */
export type GlobalWindowState = readonly [count: number, windowStartUs: number];

/** One request against a region's share of a global limit. */
export interface GlobalWindowRequest {
  /** Tells this request apart from the regional ones on a store port that takes both (StoreRequest). */
  readonly algorithm: 'global_window';
  /** The counter key (see buildGlobalCounterKey). */
  readonly key: string;
  /** The region's allocation for the window starting at `expectedStartMs`; an integer >= 0. */
  readonly cap: number;
  /** Units this request takes; an integer >= 1, or 0 for a peek (with `dryRun`). */
  readonly cost: number;
  /** Window length in milliseconds; an integer >= 1. */
  readonly windowMs: number;
  /** The window start (ms since the epoch, aligned) the cap was chosen for. */
  readonly expectedStartMs: number;
  /** Decide exactly as otherwise, but write nothing (see LimitRequest.dryRun). */
  readonly dryRun?: boolean;
}

/** A decision over a region's share: the usual RawDecision, plus the window it was counted in. */
export interface GlobalWindowDecision extends RawDecision {
  /** Start of the aligned window the store counted in, milliseconds since the epoch. */
  readonly windowStartMs: number;
  /** The region's count in that window after this decision. */
  readonly count: number;
  /**
   * False when the store's window is not `expectedStartMs`: nothing was counted, `allowed` is
   * false, and the caller should ask again with the cap of `windowStartMs`.
   */
  readonly matched: boolean;
}

/** The store port for global-window decisions (Redis: global_window.lua). */
export interface GlobalWindowStore {
  decideGlobal(request: GlobalWindowRequest): Promise<GlobalWindowDecision>;
}

export interface GlobalWindowStepInput {
  readonly state: GlobalWindowState | undefined;
  readonly cap: number;
  readonly cost: number;
  readonly windowMs: number;
  readonly expectedStartMs: number;
  /** Integer microseconds. */
  readonly now: number;
}

export interface GlobalWindowStepResult {
  readonly decision: GlobalWindowDecision;
  /** The state to store, or undefined to leave it as it was. */
  readonly next: GlobalWindowState | undefined;
  /** How long the stored state stays meaningful: until its window ends. */
  readonly ttlUs: number;
}

/** One decision; pure. Same arithmetic, in the same order, as global_window.lua. */
export function globalWindowStep(input: GlobalWindowStepInput): GlobalWindowStepResult {
  const { state, cap, cost, now } = input;
  const windowUs = input.windowMs * 1000;
  const start = windowStart(now, windowUs);
  const end = start + windowUs;
  const startMs = start / 1000;
  let count = state !== undefined && state[1] === start ? state[0] : 0;
  if (startMs !== input.expectedStartMs) {
    return {
      decision: { allowed: false, remaining: 0, resetUs: 0, retryAfterUs: 0, windowStartMs: startMs, count, matched: false },
      next: undefined,
      ttlUs: end - now,
    };
  }
  const allowed = cost === 0 || count + cost <= cap;
  let next: GlobalWindowState | undefined;
  if (allowed && cost > 0) {
    count += cost;
    next = [count, start];
  }
  return {
    decision: {
      allowed,
      remaining: clampRemaining(cap - count, cap),
      resetUs: count > 0 ? end - now : 0,
      retryAfterUs: allowed ? 0 : end - now,
      windowStartMs: startMs,
      count,
      matched: true,
    },
    next,
    ttlUs: end - now,
  };
}

/**
 * The Redis key of a region's count for one global policy and identity: `rl:{<policy>:<identity>}:gw`.
 * Same hash tag and identity encoding as buildCounterKey; the `gw` suffix keeps it apart from the
 * regional algorithms' states of the same policy and identity.
 */
export function buildGlobalCounterKey(input: { policyId: string; identity: string }): string {
  return flatKey(input.policyId, counterIdentity(input.identity), 'gw');
}
