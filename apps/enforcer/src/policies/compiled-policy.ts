import {
  CONCURRENCY_ALGORITHM,
  limitItemName,
  limitScope,
  limitWindowSeconds,
  policyWindowSeconds,
  type CalendarWindow,
  type FailureMode,
  type Policy,
  type PolicyAlgorithm,
  type PolicyLimit,
  type PolicyRef,
  type PolicyScope,
} from '@rl/contracts';
import { CalendarWindowClock, maxCost, stackedMaxCost, type AlgorithmName } from '@rl/limiter-core';

/** A limit and burst with the header values that describe them, computed once. */
export interface Quota {
  readonly limit: number;
  readonly burst: number;
  /** `X-RateLimit-Limit` value. */
  readonly limitHeader: string;
  /** `RateLimit-Policy` value: `"<id>";q=<limit>;w=<window seconds, an integer >= 1>`. */
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
  /** A denial's `violated-policies`: the names of the limits that deny, as `RateLimit-Policy` names them. */
  readonly violated: readonly string[];
  /**
   * Stacked limits (`"limits": [...]`), decided all or nothing: the policy's `quota`, `algorithm`
   * and `windowUs` then describe its shortest window only, for the readers of one limit.
   */
  readonly stack?: CompiledStack;
  /**
   * The largest cost one request can ever be admitted with (the bucket's capacity, or the
   * window's limit; for a global policy the global limit). A larger cost is refused at once with
   * `reason: "cost_exceeds_limit"`, without a store call: no wait would ever admit it.
   */
  readonly maxCost: number;
}

/** One limit of a stacked policy, ready for the hot path. */
export interface CompiledLimit {
  /** The limit's own name, and its name in headers and `violated-policies`: `<policy id>-<name>`. */
  readonly name: string;
  readonly itemName: string;
  readonly algorithm: AlgorithmName;
  readonly windowUs: number;
  /** Calendar windows: the bounds of the window holding a time, cached per window. */
  readonly calendar: CalendarWindowClock | undefined;
  /**
   * A limit shared by all regions (its scope, else the policy's, is `global`): counted like a global
   * policy, in epoch-aligned windows against this region's allocation (`algorithm` fixed_window).
   */
  readonly global: boolean;
  /** How usage reports name a global limit's windows: its name, and its calendar window and zone. */
  readonly usageName: { readonly limitName: string; readonly window?: CalendarWindow; readonly timeZone?: string };
  readonly quota: Quota;
  readonly localQuota: Quota;
  /** `RateLimit` item up to the remaining count: `"<policy id>-<name>";r=`. */
  readonly rateLimitPrefix: string;
  /** `[itemName]`, for a denial by this limit alone. */
  readonly violated: readonly string[];
}

/** The stacked limits of a policy, and the `RateLimit-Policy` list naming every one. */
export interface CompiledStack {
  readonly limits: readonly CompiledLimit[];
  readonly policyHeader: string;
  readonly localPolicyHeader: string;
  /** Each limit's local bucket, in order, for the decision pipeline's fallback. */
  readonly localQuotas: readonly { readonly limit: number; readonly burst: number }[];
  /** What each limit's counter key is built from (buildStackKeys). */
  readonly keyParts: readonly { readonly name: string; readonly algorithm: AlgorithmName; readonly calendar: boolean; readonly global: boolean }[];
  /** The indexes of the global limits, in order (empty for a stack of regional limits only). */
  readonly globalLimits: readonly number[];
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
  /** Stacked limits, each regional or global (its own scope, else `scope`); `limit`, `windowSeconds` and `burst` then describe the shortest window. */
  readonly limits?: readonly PolicyLimit[];
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
  const window = String(policyWindowSeconds(p.windowSeconds));
  const scale = localScale(input.localPercent);
  const scope = p.scope ?? 'regional';
  const stack = p.limits === undefined ? undefined : compileStack({ policyId: p.id, scope, limits: p.limits, scale });
  return {
    ref: { id: p.id, version: p.version },
    counterId: p.counterId,
    algorithm: toAlgorithmName(p.algorithm),
    windowUs: Math.max(1, Math.round(p.windowSeconds * 1_000_000)),
    failureMode: p.failureMode,
    scope,
    shadow: p.mode === 'shadow',
    quota: quota({ id: p.id, limit: p.limit, burst: p.burst, window }),
    localQuota: quota({ id: p.id, limit: scale(p.limit), burst: scale(p.burst), window }),
    rateLimitPrefix: `"${p.id}";r=`,
    violated: Object.freeze([p.id]),
    maxCost: stack !== undefined ? stackedMaxCost(stack.limits.map(limitShape)) : scope === 'global' ? p.limit : maxCost(toAlgorithmName(p.algorithm), p.limit, p.burst),
    ...(stack === undefined ? {} : { stack }),
  };
}

function limitShape(limit: CompiledLimit): { algorithm: AlgorithmName; limit: number; burst: number } {
  return { algorithm: limit.algorithm, limit: limit.quota.limit, burst: limit.quota.burst };
}

/** This instance's local share of a number; a zero limit (an imported envoy rule denying everything) stays zero. */
function localScale(localPercent: number): (n: number) => number {
  return (n) => (n === 0 ? 0 : Math.max(1, Math.floor((n * localPercent) / 100)));
}

function compileStack(input: { policyId: string; scope: PolicyScope; limits: readonly PolicyLimit[]; scale: (n: number) => number }): CompiledStack {
  const { policyId, scale } = input;
  const limits = input.limits.map((limit): CompiledLimit => {
    const itemName = limitItemName({ policyId, limitName: limit.name });
    const seconds = limitWindowSeconds(limit);
    const window = String(policyWindowSeconds(seconds));
    const global = limitScope(input, limit) === 'global';
    return {
      name: limit.name,
      itemName,
      // A global limit counts in fixed windows aligned to the epoch, whatever its algorithm says (as a global policy does).
      algorithm: global ? 'fixed_window' : toAlgorithmName(limit.algorithm),
      windowUs: Math.max(1, Math.round(seconds * 1_000_000)),
      calendar: limit.window === undefined ? undefined : new CalendarWindowClock(limit.window, limit.timeZone ?? 'UTC'),
      global,
      usageName: limit.window === undefined ? { limitName: limit.name } : { limitName: limit.name, window: limit.window, timeZone: limit.timeZone ?? 'UTC' },
      quota: quota({ id: itemName, limit: limit.limit, burst: limit.burst, window }),
      localQuota: quota({ id: itemName, limit: scale(limit.limit), burst: scale(limit.burst), window }),
      rateLimitPrefix: `"${itemName}";r=`,
      violated: Object.freeze([itemName]),
    };
  });
  return {
    limits,
    policyHeader: limits.map((l) => l.quota.policyHeader).join(', '),
    localPolicyHeader: limits.map((l) => l.localQuota.policyHeader).join(', '),
    localQuotas: limits.map((l) => ({ limit: l.localQuota.limit, burst: l.localQuota.burst })),
    keyParts: limits.map((l) => ({ name: l.name, algorithm: l.algorithm, calendar: l.calendar !== undefined, global: l.global })),
    globalLimits: limits.flatMap((l, index) => (l.global ? [index] : [])),
  };
}
