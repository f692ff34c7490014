import { maxCost } from '../algorithms';
import type { AlgorithmName, RawDecision } from '../types';
import type { CalendarBounds } from './calendar';

/** One limit of a stacked request: its own counter key (sharing the stack's hash tag) and parameters. */
export interface StackedLimit {
  readonly key: string;
  readonly algorithm: AlgorithmName;
  readonly limit: number;
  readonly windowUs: number;
  readonly burst: number;
  /** A calendar window (with `algorithm: 'fixed_window'`): its bounds replace the epoch-aligned window. */
  readonly calendar?: CalendarBounds;
  /**
   * A limit shared by all regions (with `algorithm: 'fixed_window'`): `limit` (= `burst`) is this
   * region's cap for the epoch-aligned window starting at `expectedStartMs` (with `calendar`: for
   * those bounds, starting at `expectedStartMs`), counted as global_window counts a global policy.
   * The store decides it in the window of its own clock, and when that is not the expected one the
   * limit denies, counting nothing (StackedGlobalWindow).
   */
  readonly global?: { readonly expectedStartMs: number };
}

/** Where a store counted one global limit of a stack: as GlobalWindowDecision's `windowStartMs` and `matched`. */
export interface StackedGlobalWindow {
  readonly windowStartMs: number;
  /** False: the store's window was not the limit's `expectedStartMs`, so it denied and nothing of the stack was taken. */
  readonly matched: boolean;
}

/**
 * Several limits decided as one (a policy's `"limits": [...]`): admitted only if every limit
 * admits `cost`, and then `cost` is taken from every one; denied otherwise, taking nothing.
 * All keys share one hash tag, so one script call decides it on Redis Cluster too.
 */
export interface StackedRequest {
  readonly algorithm: 'stacked';
  /** The stack's own key (`rl:{<policy>:<identity>}:st`): its slot, and its entry in the deny cache and the degraded ledger. */
  readonly key: string;
  readonly limits: readonly StackedLimit[];
  readonly cost: number;
  readonly dryRun?: boolean;
}

/**
 * A stacked decision: one RawDecision per limit, in order, and the aggregate (the RawDecision
 * fields) taken from the most constraining limit, `constraining`:
 * - denied: among the limits that deny, the one whose retry is latest (the request is admitted
 *   only once every limit admits it); the limits that would have admitted report what they hold
 *   now (nothing was taken);
 * - admitted: the one with the fewest units remaining (the first of equals).
 */
export interface StackedDecision extends RawDecision {
  readonly limits: readonly RawDecision[];
  readonly constraining: number;
  /**
   * Per limit, in order: where the store counted it when it is a global limit, else undefined.
   * Absent when the stack has no global limit, or when it was decided without the shared store
   * (local fallback: every global limit counted in its `expectedStartMs` window).
   */
  readonly globalWindows?: readonly (StackedGlobalWindow | undefined)[];
}

export function isStackedRequest(request: { readonly algorithm: string }): request is StackedRequest {
  return request.algorithm === 'stacked';
}

/** The most one request can ever cost under a stack: the smallest of its limits' (of its regional limits' only, given `regionalOnly`). */
export function stackedMaxCost(limits: readonly Pick<StackedLimit, 'algorithm' | 'limit' | 'burst' | 'global'>[], options: { regionalOnly: boolean } = { regionalOnly: false }): number {
  let most = Infinity;
  for (const limit of limits) {
    if (options.regionalOnly && limit.global !== undefined) continue;
    most = Math.min(most, maxCost(limit.algorithm, limit.limit, limit.burst));
  }
  return most;
}

/** Decides one limit of a stack: `dryRun` decides the same and writes nothing; cost 0 with it is a peek. */
export type StackedLimitDecider = (input: { limit: StackedLimit; cost: number; dryRun: boolean }) => RawDecision;

/**
 * The all-or-nothing decision of a stack, in three passes over the limits (twin of `stacked` in
 * libs/redis-store/src/lua/batch.lua, which reaches the same decisions and writes; it saves the
 * second pass by holding the first pass's writes until every limit has admitted):
 * 1. every limit decides `cost` as a dry run;
 * 2. if all admit, every limit decides `cost` for real (as a dry run again for a dry-run request):
 *    the same state at the same `now` gives the same decision, now written;
 * 3. otherwise every limit that admitted in pass 1 is peeked (cost 0, dry run), so it reports what
 *    it holds, untouched.
 */
export function decideStacked(input: { request: StackedRequest; decide: StackedLimitDecider }): StackedDecision {
  const { request, decide } = input;
  const decisions: RawDecision[] = [];
  let all = true;
  for (const limit of request.limits) {
    const decision = decide({ limit, cost: request.cost, dryRun: true });
    decisions.push(decision);
    if (!decision.allowed) all = false;
  }
  request.limits.forEach((limit, index) => {
    if (all) decisions[index] = decide({ limit, cost: request.cost, dryRun: request.dryRun === true });
    else if (decisions[index].allowed) decisions[index] = decide({ limit, cost: 0, dryRun: true });
  });
  return combineStacked({ allowed: all, limits: decisions });
}

/** The aggregate of per-limit decisions (see StackedDecision). */
export function combineStacked(input: { allowed: boolean; limits: readonly RawDecision[] }): StackedDecision {
  const { allowed, limits } = input;
  let constraining = 0;
  for (let index = 1; index < limits.length; index++) {
    const best = limits[constraining];
    const candidate = limits[index];
    if (allowed ? candidate.remaining < best.remaining : !candidate.allowed && (best.allowed || candidate.retryAfterUs > best.retryAfterUs)) constraining = index;
  }
  const chosen = limits[constraining];
  return { allowed, remaining: chosen.remaining, resetUs: chosen.resetUs, retryAfterUs: allowed ? 0 : chosen.retryAfterUs, limits, constraining };
}
