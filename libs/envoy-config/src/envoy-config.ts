import type { EnvoyUnit, FailureMode, PolicyAlgorithm, PolicyScope } from '@rl/contracts';

/**
 * A `rate_limit` block of an envoyproxy/ratelimit configuration file, validated.
 *
 * `algorithm`, `burst`, `scope` and `failureMode` are our extension (`algorithm`, `burst`, `scope`,
 * `failure_mode` inside `rate_limit`); left out, a rule counts exactly as envoyproxy/ratelimit does:
 * a fixed window aligned to the unit, regional, failing open.
 */
export interface EnvoyRateLimitConfig {
  /** `unlimited: true`: OK without counting. */
  readonly unlimited: boolean;
  /** Undefined exactly when `unlimited`. */
  readonly unit: EnvoyUnit | undefined;
  /** 0 denies every request. */
  readonly requestsPerUnit: number;
  /** An empty `name` is no name, as in envoyproxy/ratelimit. */
  readonly name: string | undefined;
  readonly replaces: readonly string[];
  readonly algorithm: PolicyAlgorithm | undefined;
  readonly burst: number | undefined;
  readonly scope: PolicyScope | undefined;
  readonly failureMode: FailureMode | undefined;
}

/** One entry of a `descriptors` list, with what is nested under it. */
export interface EnvoyDescriptorConfig {
  readonly key: string;
  /** An empty `value` is no value (a key-only default), as in envoyproxy/ratelimit. */
  readonly value: string | undefined;
  /** Undefined: no `rate_limit` block (whitelisted, or only a parent of nested descriptors). */
  readonly rateLimit: EnvoyRateLimitConfig | undefined;
  readonly shadowMode: boolean;
  readonly quotaMode: boolean;
  readonly detailedMetric: boolean;
  readonly valueToMetric: boolean;
  readonly shareThreshold: boolean;
  readonly descriptors: readonly EnvoyDescriptorConfig[];
  /** Where it is in the file, e.g. `descriptors[1].descriptors[0]`. */
  readonly path: string;
}

/** One file: one domain and its descriptor tree. */
export interface EnvoyDomainConfig {
  readonly fileName: string;
  readonly domain: string;
  readonly descriptors: readonly EnvoyDescriptorConfig[];
}
