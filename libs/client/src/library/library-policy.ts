import { CHECK_BOUNDS, FAILURE_MODES, type FailureMode } from '@rl/contracts';
import { isAlgorithmName, type AlgorithmName } from '@rl/limiter-core';

/** A policy given in code, for library mode: the fields of a stored policy that decide. */
export interface LibraryPolicy {
  /** Slug `[a-z0-9-]{1,64}`; counters live under it, shared with enforcers using the same id and algorithm. */
  readonly id: string;
  /** Default `token_bucket`. */
  readonly algorithm?: AlgorithmName;
  readonly limit: number;
  readonly windowSeconds: number;
  /** Bucket capacity for token_bucket, gcra and leaky_bucket; default `limit`. */
  readonly burst?: number;
  /** What happens while Redis fails: admit from a local bucket (`open`, default) or deny with 503 (`closed`). */
  readonly failureMode?: FailureMode;
  /** Reported as `policy.version`; default 0. */
  readonly version?: number;
}

/** A validated LibraryPolicy in limiter units. */
export interface ResolvedPolicy {
  readonly id: string;
  readonly version: number;
  /** The policy id inside counter keys: the id, or `inline:<limit>:<window>` like the enforcer's inline limits. */
  readonly counterId: string;
  readonly algorithm: AlgorithmName;
  readonly limit: number;
  readonly burst: number;
  readonly windowSeconds: number;
  readonly windowUs: number;
  readonly failureMode: FailureMode;
}

/** A policy that cannot be enforced; names the field. */
export class InvalidPolicyError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field} ${message}`);
    this.name = 'InvalidPolicyError';
  }
}

const POLICY_ID = /^[a-z0-9-]{1,64}$/;

export function resolvePolicy(policy: LibraryPolicy, path = 'policy'): ResolvedPolicy {
  if (typeof policy.id !== 'string' || !POLICY_ID.test(policy.id)) throw new InvalidPolicyError(`${path}.id`, 'must match [a-z0-9-]{1,64}');
  const algorithm = policy.algorithm ?? 'token_bucket';
  if (!isAlgorithmName(algorithm)) throw new InvalidPolicyError(`${path}.algorithm`, 'must be a known algorithm');
  if (!Number.isInteger(policy.limit) || policy.limit < 1 || policy.limit > CHECK_BOUNDS.limitMax) {
    throw new InvalidPolicyError(`${path}.limit`, `must be an integer from 1 to ${CHECK_BOUNDS.limitMax}`);
  }
  const w = policy.windowSeconds;
  if (typeof w !== 'number' || !(w >= CHECK_BOUNDS.windowSecondsMin && w <= CHECK_BOUNDS.windowSecondsMax)) {
    throw new InvalidPolicyError(`${path}.windowSeconds`, `must be a number of seconds from ${CHECK_BOUNDS.windowSecondsMin} to ${CHECK_BOUNDS.windowSecondsMax}`);
  }
  const burst = policy.burst ?? policy.limit;
  if (!Number.isInteger(burst) || burst < 1 || burst > CHECK_BOUNDS.limitMax) throw new InvalidPolicyError(`${path}.burst`, `must be an integer from 1 to ${CHECK_BOUNDS.limitMax}`);
  const failureMode = policy.failureMode ?? 'open';
  if (!FAILURE_MODES.includes(failureMode)) throw new InvalidPolicyError(`${path}.failureMode`, 'must be "open" or "closed"');
  const version = policy.version ?? 0;
  if (!Number.isInteger(version) || version < 0) throw new InvalidPolicyError(`${path}.version`, 'must be an integer >= 0');
  return {
    id: policy.id,
    version,
    counterId: policy.id,
    algorithm,
    limit: policy.limit,
    burst,
    windowSeconds: w,
    windowUs: Math.max(1, Math.round(w * 1_000_000)),
    failureMode,
  };
}

/** The policy of an inline limit, as the enforcer builds it: id `inline`, counters per limit and window. */
export function inlinePolicy(input: { limit: number; windowSeconds: number; algorithm: AlgorithmName; failureMode: FailureMode }): ResolvedPolicy {
  return {
    ...resolvePolicy({ id: 'inline', algorithm: input.algorithm, limit: input.limit, windowSeconds: input.windowSeconds, failureMode: input.failureMode }),
    counterId: `inline:${input.limit}:${input.windowSeconds}`,
  };
}
