import { algorithmFor, maxCost } from './algorithms';
import type { Clock } from './clock';
import { CompactStateTable } from './compact-state-table';
import { MemoryStateStore } from './memory-state-store';
import { adjustCounter, algorithmKind, settleStep, type AdjustedCounter, type DecisionRecord, type SettleableAlgorithm, type SettleResult } from './settle/settle';
import { adjustStackLimit, recordStackLimit, settleStackStep, stackedRecord, type SettleableLimit, type SettledStackLimit, type StackedDecisionRecord } from './settle/stack-settle';
import type { FixedWindowState } from './algorithms/fixed-window';
import type { CalendarBounds } from './stacked/calendar';
import { calendarWindowStep } from './stacked/calendar-window';
import { decideStacked, stackedMaxCost, type StackedDecision, type StackedRequest } from './stacked/stacked';
import { ALGORITHMS, type AlgorithmName, type RawDecision } from './types';

/** One request to a counter store: which counter, by which algorithm and parameters, at what cost. */
export interface LimitRequest {
  /** The fully built counter key (see buildCounterKey). */
  readonly key: string;
  readonly algorithm: AlgorithmName;
  readonly limit: number;
  readonly windowUs: number;
  readonly burst: number;
  /** Units this request takes: an integer >= 1, or 0 for a peek (with `dryRun`). */
  readonly cost: number;
  /**
   * Decide exactly as otherwise (same decision, remaining, reset and retry), but write nothing.
   * With `cost: 0` it is a peek: allowed, with the counter's current remaining and reset.
   */
  readonly dryRun?: boolean;
  /**
   * A calendar window (only with `fixed_window`; `windowUs` is then ignored): counted in these
   * bounds instead of epoch-aligned windows (calendarWindowStep).
   */
  readonly calendar?: CalendarBounds;
}

/**
 * The counter-store port. The enforcer decides through it; the Redis store (atomic Lua) and the
 * in-process LocalLimiter both implement it with the same algorithm semantics.
 */
export interface CounterStore {
  decide(request: LimitRequest): Promise<RawDecision>;
}

/**
 * A decision that no store is asked for: the cost exceeds what the limit can ever admit (the
 * bucket capacity for token bucket, GCRA and leaky bucket, the limit for the window algorithms).
 * It says so (`reason: 'cost_exceeds_limit'`) and names no retry time: waiting never helps.
 */
export function unadmissible(request: LimitRequest): RawDecision | undefined {
  if (request.cost <= maxCost(request.algorithm, request.limit, request.burst)) return undefined;
  return COST_EXCEEDS_LIMIT;
}

/**
 * `unadmissible` for a stack: a cost above what its tightest regional limit can ever admit, every
 * limit saying so. A global limit's `limit` is this region's cap for one window, which the next
 * allocation may raise: a cost above it is a plain denial until the window ends (as for a global
 * policy), decided by the store.
 */
export function unadmissibleStacked(request: StackedRequest): StackedDecision | undefined {
  if (request.cost <= stackedMaxCost(request.limits, { regionalOnly: true })) return undefined;
  return { ...COST_EXCEEDS_LIMIT, limits: request.limits.map(() => COST_EXCEEDS_LIMIT), constraining: 0 };
}

/** The compact-table kind of calendar-window states: after the algorithms' own kinds. */
const CALENDAR_KIND = ALGORITHMS.length;

/** A settleable limit of a stack and the key of its counter. */
export type KeyedSettleableLimit = SettleableLimit & { readonly key: string };

/** The kind a stacked limit's state is kept under: a calendar window's own, else its algorithm's. */
function stackKind(algorithm: SettleableAlgorithm, calendar: boolean): number {
  return calendar ? CALENDAR_KIND : algorithmKind(algorithm) - 1;
}

const COST_EXCEEDS_LIMIT: RawDecision = Object.freeze({ allowed: false, remaining: 0, resetUs: 0, retryAfterUs: 0, reason: 'cost_exceeds_limit' });

export interface LocalLimiterOptions {
  readonly clock: Clock;
  readonly maxKeys?: number;
}

/**
 * The algorithms run in-process over bounded memory: library mode for Node gateways, and the
 * enforcer's degraded-mode buckets. Same semantics as the Redis scripts, minus cross-process sharing.
 */
export class LocalLimiter implements CounterStore {
  /** Every algorithm's state but sliding_log's is a tuple of 1 to 3 numbers: held without objects. */
  private readonly states: CompactStateTable;
  /** sliding_log keeps a list of entries per key. */
  private readonly logs: MemoryStateStore<unknown>;
  private readonly clock: Clock;

  constructor(options: LocalLimiterOptions) {
    this.clock = options.clock;
    this.states = new CompactStateTable(options.maxKeys ?? 100_000);
    this.logs = new MemoryStateStore(options.maxKeys ?? 100_000);
  }

  decideSync(request: LimitRequest): RawDecision {
    const refused = unadmissible(request);
    if (refused !== undefined) return refused;
    return this.decideAt(request, this.clock.nowMicros());
  }

  private decideAt(request: LimitRequest, now: number): RawDecision {
    if (request.calendar !== undefined) return this.decideCalendar(request, request.calendar, now);
    // A state left by another algorithm under the same key is not this one's: the kind makes it a
    // miss (buildCounterKey keys differ per algorithm anyway; this guards other callers).
    const kind = ALGORITHMS.indexOf(request.algorithm);
    const log = request.algorithm === 'sliding_log';
    const result = algorithmFor(request.algorithm).step({
      state: log ? this.logs.get(request.key, now, kind) : this.states.get(request.key, now, kind),
      params: { limit: request.limit, windowUs: request.windowUs, burst: request.burst },
      cost: request.cost,
      now,
    });
    if (result.next !== undefined && request.dryRun !== true) {
      if (log) this.logs.set(request.key, result.next, now + result.ttlUs, kind);
      else this.states.set(request.key, result.next as readonly number[], now + result.ttlUs, kind);
    }
    return result.decision;
  }

  decide(request: LimitRequest): Promise<RawDecision> {
    return Promise.resolve(this.decideSync(request));
  }

  /**
   * Settles `record`, the decision record of counter `key` (settleStep), and writes what it
   * changes to the counter. The caller keeps the record and writes back `result.record`.
   */
  settle(input: { key: string; record: DecisionRecord; actualCost: number }): SettleResult {
    const { key, record } = input;
    const now = this.clock.nowMicros();
    const kind = algorithmKind(record.algorithm) - 1;
    const result = settleStep({ record, state: this.states.get(key, now, kind), actualCost: input.actualCost, now });
    if (result.next !== undefined) this.states.set(key, result.next, now + result.ttlUs, kind);
    return result;
  }

  /** The state held for counter `key` of `algorithm` (fixed window: [windowStartUs, count]), unless expired. */
  stateOf(key: string, algorithm: Exclude<AlgorithmName, 'sliding_log'>): readonly number[] | undefined {
    return this.states.get(key, this.clock.nowMicros(), ALGORITHMS.indexOf(algorithm));
  }

  /** Charges `cost` to counter `key` without deciding: never refused, it may run into debt (adjustCounter). */
  charge(request: LimitRequest & { algorithm: SettleableAlgorithm }): AdjustedCounter {
    const now = this.clock.nowMicros();
    const kind = algorithmKind(request.algorithm) - 1;
    const params = { limit: request.limit, windowUs: request.windowUs, burst: request.burst };
    const result = adjustCounter({ algorithm: request.algorithm, params, state: this.states.get(request.key, now, kind), delta: request.cost, now });
    if (result.next !== undefined) this.states.set(request.key, result.next, now + result.ttlUs, kind);
    return result;
  }

  /** Records an admitted stacked decision of settleable limits (recordStackLimit for each, from its counter's state). */
  recordStack(input: { limits: readonly KeyedSettleableLimit[]; cost: number }): StackedDecisionRecord {
    const now = this.clock.nowMicros();
    const limits = input.limits.map((limit) => recordStackLimit({ limit, state: this.states.get(limit.key, now, stackKind(limit.algorithm, limit.calendar !== undefined)), now }));
    return stackedRecord({ limits, cost: input.cost, now });
  }

  /** Settles a stacked record whose limits count in `keys` (settleStackStep), and writes what it changes. The caller keeps the record. */
  settleStack(input: { keys: readonly string[]; record: StackedDecisionRecord; actualCost: number }): { status: SettleResult['status']; limits: SettledStackLimit[]; record: StackedDecisionRecord | undefined } {
    const now = this.clock.nowMicros();
    const kinds = input.record.limits.map((limit) => stackKind(limit.algorithm, limit.calendar));
    const states = input.keys.map((key, index) => this.states.get(key, now, kinds[index]));
    const result = settleStackStep({ record: input.record, states, actualCost: input.actualCost, now });
    result.limits.forEach((limit, index) => {
      if (limit.next !== undefined) this.states.set(input.keys[index], limit.next, now + limit.ttlUs, kinds[index]);
    });
    return result;
  }

  /** Charges `cost` to every limit of a stack without deciding (adjustStackLimit): never refused, any may run into debt. */
  chargeStack(input: { limits: readonly KeyedSettleableLimit[]; cost: number }): AdjustedCounter[] {
    const now = this.clock.nowMicros();
    return input.limits.map((limit) => {
      const kind = stackKind(limit.algorithm, limit.calendar !== undefined);
      const result = adjustStackLimit({ limit, state: this.states.get(limit.key, now, kind), delta: input.cost, now });
      if (result.next !== undefined) this.states.set(limit.key, result.next, now + result.ttlUs, kind);
      return result;
    });
  }

  /** A stack of limits, all or nothing (decideStacked), every limit decided here at one `now`. */
  decideStackedSync(request: StackedRequest): StackedDecision {
    const refused = unadmissibleStacked(request);
    if (refused !== undefined) return refused;
    const now = this.clock.nowMicros();
    return decideStacked({ request, decide: ({ limit, cost, dryRun }) => this.decideAt({ ...limit, cost, dryRun }, now) });
  }

  private decideCalendar(request: LimitRequest, bounds: CalendarBounds, now: number): RawDecision {
    const result = calendarWindowStep({ state: this.states.get(request.key, now, CALENDAR_KIND) as FixedWindowState | undefined, limit: request.limit, bounds, cost: request.cost, now });
    if (result.next !== undefined && request.dryRun !== true) this.states.set(request.key, result.next, now + result.ttlUs, CALENDAR_KIND);
    return result.decision;
  }

  /** Forgets the state of `key` (an operator reset it). */
  forget(key: string): void {
    this.states.delete(key);
    this.logs.delete(key);
  }

  /** States held (expired ones included until their slot is reused). */
  get size(): number {
    return this.states.size + this.logs.size;
  }
}
