import { combineStacked, StoreUnavailableError, type CalendarBounds, type StackedDecision, type StackedGlobalWindow, type StackedLimit, type StackedRequest } from '@rl/limiter-core';
import { localShare, MAX_WINDOW_ATTEMPTS, notYetAllocated } from './global-window-decision';
import type { DecisionOutcome, DecisionPipeline, LocalQuota } from './pipeline';

export interface GlobalStackInput {
  /**
   * The stack as the regional store decides it; each global limit marked by `global` (its
   * `expectedStartMs` is ignored: chosen here) with its window in `windowUs`. Its `limit` and
   * `burst` are replaced by this region's cap for the window.
   */
  readonly request: StackedRequest;
  /** Wall-clock milliseconds: which windows this instance believes current. */
  readonly nowMs: number;
  /** The region's allocation of global limit `index` (its index in `request.limits`) for the window starting at `windowStartMs`; undefined while none is known yet. */
  readonly capFor: (index: number, windowStartMs: number) => number | undefined;
  readonly failureMode: 'open' | 'closed';
  /** Each limit's local bucket, in order; a global limit's is replaced by `localPercent` of its cap. */
  readonly localLimits: readonly LocalQuota[];
  readonly local: LocalQuota;
  /** Percent of a cap this instance's local bucket admits while the store is down. */
  readonly localPercent: number;
  /** How long until allocations are known (a fresh instance still reading the allocation stream), ms. */
  readonly allocationWaitMs: () => number;
  /** Called each time the store's window of a global limit differed from ours. */
  readonly onWindowRetry?: () => void;
  /** The calendar window of global limit `index` (one with `calendar`) starting at `windowStartMs`, for asking again in the store's window. */
  readonly calendarAt?: (index: number, windowStartMs: number) => CalendarBounds | undefined;
}

/**
 * A stacked policy with global limits, decided all or nothing in ONE store request as any stack is:
 * each global limit is this region's share of it (global_window), counted in the epoch-aligned
 * window our clock says is current against the region's cap for it, the regional limits as
 * usual. When the store's clock puts a global limit in another window, that limit denies and
 * nothing of the stack is taken; the stack is asked again with that window's cap (as
 * decideGlobalWindow does for a global policy), and a third disagreement fails over.
 *
 * No cap known yet for some global limit (a fresh instance still reading the allocation stream):
 * deny without a store call, retry once waiting is over.
 *
 * The decision always says, per global limit, in which window it was counted (`globalWindows`):
 * the store's, or ours when it was decided locally or not at all.
 */
export async function decideGlobalStack(pipeline: DecisionPipeline, input: GlobalStackInput): Promise<DecisionOutcome<StackedDecision>> {
  const limits = input.request.limits;
  const starts: (number | undefined)[] = limits.map((limit) => (limit.global === undefined ? undefined : windowStartOf(input.nowMs, limit)));
  let attempt: { request: StackedRequest; local: DecisionInputLocal } | undefined;
  for (let tries = 0; tries < MAX_WINDOW_ATTEMPTS; tries++) {
    attempt = withCaps(input, starts);
    if (attempt === undefined) return { decision: waitingForAllocations(input, starts), source: 'store' };
    const outcome = await pipeline.decide({ request: attempt.request, failureMode: input.failureMode, local: attempt.local });
    const windows = outcome.decision.globalWindows;
    if (outcome.source !== 'store' || windows === undefined || windows.every((w) => w === undefined || w.matched)) {
      return { decision: { ...outcome.decision, globalWindows: windows ?? expectedWindows(starts) }, source: outcome.source };
    }
    input.onWindowRetry?.();
    windows.forEach((w, index) => {
      if (w !== undefined && !w.matched) starts[index] = startOfWindowAt(input, index, w.windowStartMs);
    });
  }
  const failure = new StoreUnavailableError(`stacked global limits: the store's window kept moving (${MAX_WINDOW_ATTEMPTS} attempts)`, { cause: undefined });
  // `attempt` is set: the loop ran at least once and returned early when it could not build one.
  const last = attempt as { request: StackedRequest; local: DecisionInputLocal };
  const failed = pipeline.failOver({ request: last.request, failureMode: input.failureMode, local: last.local }, failure);
  return { decision: { ...failed.decision, globalWindows: expectedWindows(starts) }, source: failed.source };
}

type DecisionInputLocal = LocalQuota & { readonly limits: readonly LocalQuota[] };

/** Where a global limit starts counting: its calendar window's start as given, else the aligned window holding `nowMs`. */
function windowStartOf(nowMs: number, limit: StackedLimit): number {
  if (limit.calendar !== undefined) return limit.calendar.startUs / 1000;
  const windowMs = Math.max(1, Math.round(limit.windowUs / 1000));
  return Math.floor(nowMs / windowMs) * windowMs;
}

/**
 * The start of global limit `index`'s window holding `atMs` (where the store counts now): that
 * instant for an aligned window (the store names its start), the calendar window's start otherwise.
 */
function startOfWindowAt(input: GlobalStackInput, index: number, atMs: number): number {
  if (input.request.limits[index].calendar === undefined) return atMs;
  const bounds = input.calendarAt?.(index, atMs);
  return bounds === undefined ? atMs : bounds.startUs / 1000;
}

/** A global limit's calendar bounds for the window starting at `start`: those given when it is theirs. */
function calendarFor(input: GlobalStackInput, index: number, start: number): CalendarBounds | undefined {
  const given = input.request.limits[index].calendar;
  if (given === undefined || given.startUs === start * 1000 || input.calendarAt === undefined) return given;
  return input.calendarAt(index, start) ?? given;
}

/** The stack with each global limit's cap for its window, and the local buckets to fall back on; undefined when a cap is not known yet. */
function withCaps(input: GlobalStackInput, starts: readonly (number | undefined)[]): { request: StackedRequest; local: DecisionInputLocal } | undefined {
  const limits: StackedLimit[] = new Array(input.request.limits.length);
  const localLimits: LocalQuota[] = new Array(limits.length);
  for (let index = 0; index < limits.length; index++) {
    const limit = input.request.limits[index];
    const start = starts[index];
    if (start === undefined) {
      limits[index] = limit;
      localLimits[index] = input.localLimits[index];
      continue;
    }
    const cap = input.capFor(index, start);
    if (cap === undefined) return undefined;
    limits[index] = { ...limit, limit: cap, burst: cap, calendar: calendarFor(input, index, start), global: { expectedStartMs: start } };
    localLimits[index] = localShare(cap, input.localPercent);
  }
  return { request: { ...input.request, limits }, local: { ...input.local, limits: localLimits } };
}

function expectedWindows(starts: readonly (number | undefined)[]): (StackedGlobalWindow | undefined)[] {
  return starts.map((start) => (start === undefined ? undefined : { windowStartMs: start, matched: true }));
}

/** A denial by every limit, without a store call, until the allocation stream has been read. */
function waitingForAllocations(input: GlobalStackInput, starts: readonly (number | undefined)[]): StackedDecision {
  const waiting = notYetAllocated({ windowStartMs: 0, retryAfterMs: input.allocationWaitMs() });
  const denial = { allowed: false, remaining: 0, resetUs: 0, retryAfterUs: waiting.retryAfterUs };
  return { ...combineStacked({ allowed: false, limits: starts.map(() => denial) }), globalWindows: expectedWindows(starts) };
}
