import { CONCURRENCY_ALGORITHM, type FailureMode, type Policy, type PolicyAlgorithm, type PolicyRef, type PolicyScope } from '@rl/contracts';
import { maxCost, type AlgorithmName } from '@rl/limiter-core';

/** A limit and burst with the header values that describe them, computed once. */
export interface Quota {
  readonly limit: number;
  readonly burst: number;
  /** `X-RateLimit-Limit` value. */
  readonly limitHeader: string;
  /** `RateLimit-Policy` value: `"<id>";q=<limit>;w=<window seconds>`. */
  readonly policyHeader: string;
}

/**
 * A policy ready for the hot path: parameters in the units limiter-core takes, header strings and
 * the body's policy reference precomputed, so a decision only formats its own numbers.
 */
export interface CompiledPolicy {
  readonly ref: PolicyRef;
  /** The policy id as it appears in counter keys (inline limits carry their parameters). */
  readonly counterId: string;
  readonly algorithm: AlgorithmName;
  readonly windowUs: number;
  readonly failureMode: FailureMode;
  /** `global`: one limit per aligned window for all regions, decided by the global path (src/global). */
  readonly scope: PolicyScope;
  readonly shadow: boolean;
  readonly quota: Quota;
  /** The conservative quota of this instance's local bucket while the store is down. */
  readonly localQuota: Quota;
  /** `RateLimit` value up to the remaining count: `"<id>";r=`. */
  readonly rateLimitPrefix: string;
  /**
   * The largest cost one request can ever be admitted with (the bucket's capacity, or the
   * window's limit; for a global policy the global limit). A larger cost is refused at once with
   * `reason: "cost_exceeds_limit"`, without a store call: no wait would ever admit it.
   */
  readonly maxCost: number;
}

/** The parameters a policy is compiled from: a stored Policy, the default or an inline limit. */
export interface PolicyParameters {
  readonly id: string;
  readonly version: number;
  readonly counterId: string;
  readonly algorithm: PolicyAlgorithm;
  readonly limit: number;
  readonly burst: number;
  readonly windowSeconds: number;
  readonly failureMode: FailureMode;
  readonly mode: 'enforce' | 'shadow';
  /** Default `regional`; the default and inline policies are always regional. */
  readonly scope?: PolicyScope;
}

/**
 * The rate algorithm of a stored policy. Concurrency policies never reach a rate index: the
 * resolver indexes them apart (concurrency-policies.ts), so meeting one here is a bug.
 */
export function rateParameters(policy: Policy): PolicyParameters {
  const algorithm = policy.algorithm;
  if (algorithm === CONCURRENCY_ALGORITHM) throw new Error(`policy ${policy.id} is a concurrency policy: it has no rate limit to compile`);
  return { ...policy, algorithm, counterId: policy.id };
}

/** contracts and limiter-core name the same algorithms; this fails to compile if they drift apart. */
function toAlgorithmName(name: PolicyAlgorithm): AlgorithmName {
  return name;
}

/** `60` stays `60`; sub-second windows keep up to three decimals (`0.25`), as structured-field decimals allow. */
export function formatWindowSeconds(windowSeconds: number): string {
  return Number.isInteger(windowSeconds) ? String(windowSeconds) : String(Math.round(windowSeconds * 1000) / 1000);
}

function quota(input: { id: string; limit: number; burst: number; window: string }): Quota {
  return {
    limit: input.limit,
    burst: input.burst,
    limitHeader: String(input.limit),
    policyHeader: `"${input.id}";q=${input.limit};w=${input.window}`,
  };
}

export function compilePolicy(input: { parameters: PolicyParameters; localPercent: number }): CompiledPolicy {
  const p = input.parameters;
  const window = formatWindowSeconds(p.windowSeconds);
  // A zero limit (an imported envoy rule denying everything) stays zero in the local bucket.
  const scale = (n: number): number => (n === 0 ? 0 : Math.max(1, Math.floor((n * input.localPercent) / 100)));
  return {
    ref: { id: p.id, version: p.version },
    counterId: p.counterId,
    algorithm: toAlgorithmName(p.algorithm),
    windowUs: Math.max(1, Math.round(p.windowSeconds * 1_000_000)),
    failureMode: p.failureMode,
    scope: p.scope ?? 'regional',
    shadow: p.mode === 'shadow',
    quota: quota({ id: p.id, limit: p.limit, burst: p.burst, window }),
    localQuota: quota({ id: p.id, limit: scale(p.limit), burst: scale(p.burst), window }),
    rateLimitPrefix: `"${p.id}";r=`,
    maxCost: (p.scope ?? 'regional') === 'global' ? p.limit : maxCost(toAlgorithmName(p.algorithm), p.limit, p.burst),
  };
}
