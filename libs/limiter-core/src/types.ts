export const ALGORITHMS = ['token_bucket', 'gcra', 'sliding_window', 'sliding_log', 'fixed_window', 'leaky_bucket'] as const;
export type AlgorithmName = (typeof ALGORITHMS)[number];

export function isAlgorithmName(value: unknown): value is AlgorithmName {
  return typeof value === 'string' && (ALGORITHMS as readonly string[]).includes(value);
}

/**
 * The numeric parameters of a limit. Times are integer microseconds.
 * `burst` is the bucket capacity for token bucket, GCRA and leaky bucket (defaults to `limit`);
 * the window algorithms ignore it.
 */
export interface LimitParams {
  readonly limit: number;
  readonly windowUs: number;
  readonly burst: number;
}

/**
 * One decision in the units both implementations (TypeScript and Lua) produce exactly:
 * integers only, times in microseconds.
 */
export interface RawDecision {
  readonly allowed: boolean;
  /** Units left after this request, in [0, limit]. */
  readonly remaining: number;
  /** Microseconds until the quota is fully restored. */
  readonly resetUs: number;
  /**
   * 0 when allowed; otherwise microseconds after which the same request is admitted, or 0 when it
   * never will be (see `reason`).
   */
  readonly retryAfterUs: number;
  /**
   * Why a denial is final, when it is: `cost_exceeds_limit`, the cost is more than the limit can
   * ever admit (see `unadmissible`), so retrying is pointless. Absent on every other decision.
   */
  readonly reason?: 'cost_exceeds_limit';
}

/** The decision as gateways see it (CONTRACT.md): seconds, not microseconds. */
export interface Decision {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  readonly resetSeconds: number;
  readonly retryAfterSeconds: number;
}

export function toDecision(raw: RawDecision, limit: number): Decision {
  return {
    allowed: raw.allowed,
    limit,
    remaining: raw.remaining,
    resetSeconds: raw.resetUs / 1_000_000,
    retryAfterSeconds: raw.retryAfterUs / 1_000_000,
  };
}

/** The result of one pure step: the decision, and the state to store (or `undefined` to leave it as it was). */
export interface StepResult<S> {
  readonly decision: RawDecision;
  readonly next: S | undefined;
  /** How long the stored state stays meaningful; after that it equals no state at all. */
  readonly ttlUs: number;
}

export interface StepInput<S> {
  readonly state: S | undefined;
  readonly params: LimitParams;
  readonly cost: number;
  /** Integer microseconds. */
  readonly now: number;
}

/**
 * A rate-limit algorithm as a pure state machine: no I/O, no clock of its own.
 * Each has a Lua twin in libs/redis-store/src/lua with the same arithmetic, in the same order,
 * so that both produce identical decisions for identical inputs.
 *
 * Contract shared by every algorithm:
 * - Limit changes take effect at once. The state records what was *used* (units taken, owed or
 *   admitted), never what is left, and a step reads it with the parameters it is given: a request
 *   under new parameters sees "the new capacity minus what was used", clamped to [0, limit]. A
 *   raise helps an exhausted caller at once (limit 3, 3 used, raised to 5: 2 left); a lowering
 *   caps at once (used above the new capacity: denied until enough has drained or aged out, at
 *   the new parameters' rate). Capacity is `burst` for token bucket, GCRA and leaky bucket, and
 *   `limit` for the window algorithms.
 * - A cost of 0 is a peek: allowed, `retryAfterUs` 0, and the remaining and reset a request right
 *   now would see; `next` is undefined (nothing to write), and no trace is left (no log entry).
 * - A dry run is a store's business: it makes the same step and does not write `next`.
 */
export interface Algorithm<S> {
  readonly name: AlgorithmName;
  step(input: StepInput<S>): StepResult<S>;
}
