import {
  algorithmFor,
  calendarWindowStep,
  decideStacked,
  globalCalendarWindowStep,
  globalWindowStep,
  unadmissible,
  unadmissibleStacked,
  type FixedWindowState,
  type GlobalWindowDecision,
  type GlobalWindowState,
  type LimitRequest,
  type RawDecision,
  type StackedLimit,
  type StackedRequest,
  type StepResult,
  type StoreDecision,
  type StoreRequest,
} from '@rl/limiter-core';
import { normalized } from './vectors';

/** One decision of the twin, and what it wrote. */
export interface TwinOutcome {
  readonly decision: StoreDecision;
  /** When the decision wrote its state: the PX, in milliseconds, a Redis store sets on its keys. */
  readonly expiryMs: number | undefined;
  /** Every counter the decision wrote, with its PX (a stack writes each of its limits). */
  readonly writes: readonly { readonly key: string; readonly expiryMs: number }[];
}

/**
 * The TypeScript twin of a batching counter store: decides StoreRequests with limiter-core's step
 * functions (the six algorithms, calendarWindowStep, globalWindowStep, and decideStacked over
 * them, every limit of a stack writing with the stack's jitter), applied in order at one `now` per batch,
 * the way one batch script call decides them. Dry runs and peeks write nothing; a cost above what
 * the limit can ever admit is answered by `unadmissible` without touching a state.
 *
 * States expire like the Redis keys a store writes: PX = max(1, ceil(ttlUs / 1000) + jitter)
 * milliseconds after the write, gone once the millisecond clock is past it. `expire` tells a test
 * which counters to delete in Redis at the same moment, so Redis' own wall clock never matters.
 */
export class StoreTwin {
  private readonly states = new Map<string, { state: unknown; expiresAtMs: number }>();

  /** Drops the states whose expiry has passed at `now` (µs); returns their counter keys. */
  expire(now: number): string[] {
    const nowMs = Math.floor(now / 1000);
    const expired: string[] = [];
    for (const [key, { expiresAtMs }] of this.states) {
      if (nowMs > expiresAtMs) expired.push(key);
    }
    for (const key of expired) this.states.delete(key);
    return expired;
  }

  /** Decides `requests` in order at `now` (µs); decision i writes with TTL jitter `jitterMs(i)`. */
  decideBatch(input: { requests: readonly StoreRequest[]; now: number; jitterMs: (index: number) => number }): TwinOutcome[] {
    const { now } = input;
    return input.requests.map((request, index) => {
      const jitterMs = input.jitterMs(index);
      if (request.algorithm === 'stacked') return this.decideStack(request, now, jitterMs);
      const refused = request.algorithm === 'global_window' ? undefined : unadmissible(request);
      if (refused !== undefined) return { decision: refused, expiryMs: undefined, writes: [] };
      const stored = this.states.get(request.key)?.state;
      const result =
        request.algorithm === 'global_window'
          ? globalWindowStep({ state: stored as GlobalWindowState | undefined, cap: request.cap, cost: request.cost, windowMs: request.windowMs, expectedStartMs: request.expectedStartMs, now })
          : stepLimit(request, stored, now);
      const expiryMs = request.dryRun === true ? undefined : this.write({ key: request.key, result, now, jitterMs });
      return { decision: normalized(result.decision), expiryMs, writes: expiryMs === undefined ? [] : [{ key: request.key, expiryMs }] };
    });
  }

  private decideStack(request: StackedRequest, now: number, jitterMs: number): TwinOutcome {
    const refused = unadmissibleStacked(request);
    if (refused !== undefined) return { decision: refused, expiryMs: undefined, writes: [] };
    const writes: { key: string; expiryMs: number }[] = [];
    /** Each global limit's last decision: the one the stack reports, with where it was counted. */
    const windows = new Map<StackedLimit, GlobalWindowDecision>();
    const decision = decideStacked({
      request,
      decide: ({ limit, cost, dryRun }) => {
        const stored = this.states.get(limit.key)?.state;
        const result = limit.global === undefined ? stepLimit({ ...limit, cost }, stored, now) : stepGlobalLimit({ limit, cost, stored, now });
        if (limit.global !== undefined) windows.set(limit, result.decision as GlobalWindowDecision);
        const expiryMs = dryRun ? undefined : this.write({ key: limit.key, result, now, jitterMs });
        if (expiryMs !== undefined) writes.push({ key: limit.key, expiryMs });
        return rawOf(result.decision);
      },
    });
    if (windows.size === 0) return { decision, expiryMs: writes.at(-1)?.expiryMs, writes };
    const globalWindows = request.limits.map((limit) => {
      const counted = windows.get(limit);
      return counted === undefined ? undefined : { windowStartMs: counted.windowStartMs, matched: counted.matched };
    });
    return { decision: { ...decision, globalWindows }, expiryMs: writes.at(-1)?.expiryMs, writes };
  }

  /** Stores what `result` writes, expiring like a Redis key with that TTL and jitter; its PX, or undefined when nothing is written. */
  private write(input: { key: string; result: StepResult<unknown>; now: number; jitterMs: number }): number | undefined {
    const { result, now } = input;
    if (result.next === undefined) return undefined;
    const expiryMs = Math.max(1, Math.ceil(result.ttlUs / 1000) + input.jitterMs);
    this.states.set(input.key, { state: result.next, expiresAtMs: Math.floor(now / 1000) + expiryMs });
    return expiryMs;
  }
}

/** A global limit of a stack: its region's cap (`limit`) in its aligned window (globalWindowStep) or its calendar bounds (globalCalendarWindowStep). */
function stepGlobalLimit(input: { limit: StackedLimit; cost: number; stored: unknown; now: number }): StepResult<unknown> {
  const { limit, cost, now } = input;
  if (limit.calendar !== undefined) return globalCalendarWindowStep({ state: input.stored as FixedWindowState | undefined, cap: limit.limit, bounds: limit.calendar, cost, now });
  const windowMs = Math.max(1, Math.round(limit.windowUs / 1000));
  return globalWindowStep({ state: input.stored as GlobalWindowState | undefined, cap: limit.limit, cost, windowMs, expectedStartMs: limit.global?.expectedStartMs ?? 0, now });
}

/** A limit's decision as a stack reports it: the four RawDecision fields only. */
function rawOf(decision: RawDecision): RawDecision {
  const { allowed, remaining, resetUs, retryAfterUs } = normalized(decision);
  return { allowed, remaining, resetUs, retryAfterUs };
}

/** One regional limit's step: its algorithm's, or calendarWindowStep for calendar bounds. */
function stepLimit(request: LimitRequest, stored: unknown, now: number): StepResult<unknown> {
  if (request.calendar !== undefined) return calendarWindowStep({ state: stored as FixedWindowState | undefined, limit: request.limit, bounds: request.calendar, cost: request.cost, now });
  return algorithmFor(request.algorithm).step({ state: stored, params: { limit: request.limit, windowUs: request.windowUs, burst: request.burst }, cost: request.cost, now });
}
