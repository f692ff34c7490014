import type { EnvoyUnit } from './envoy-unit';

/** One level of an envoyproxy/ratelimit descriptor: a `key`, and a `value` unless it matches any value. */
export interface EnvoyDescriptorEntry {
  readonly key: string;
  /** Absent: the entry matches any value of `key` (a key-only default). May end in or hold `*` wildcards. */
  readonly value?: string;
}

/**
 * `match` of a policy imported from an envoyproxy/ratelimit configuration file: the file's `domain`
 * and the path of descriptor entries from the file's top level down to this rule, one entry per
 * nesting level. Such a policy decides only gRPC `ShouldRateLimit` requests of that domain whose
 * descriptor reaches exactly this path; it never takes part in `POST /v1/check` resolution.
 */
export interface EnvoyDescriptorMatch {
  readonly domain: string;
  readonly descriptors: readonly EnvoyDescriptorEntry[];
}

/**
 * What a matched descriptor gets:
 * - `limited`: counted, `requests_per_unit` (the policy's `limit`, possibly 0: deny everything) per
 *   `unit` (the policy's `windowSeconds`);
 * - `unlimited`: OK with `limit_remaining` 2^32 - 1, never counted;
 * - `none`: the descriptor has no `rate_limit` block: whitelisted when nothing is nested under it,
 *   else only a parent of nested rules. Either way a request stopping here is not limited.
 */
export const ENVOY_RATE_LIMIT_KINDS = ['limited', 'unlimited', 'none'] as const;
export type EnvoyRateLimitKind = (typeof ENVOY_RATE_LIMIT_KINDS)[number];

/**
 * The envoyproxy/ratelimit settings of an imported descriptor that the policy's own fields do not
 * carry. `shadow_mode` is the policy's `mode: "shadow"`; our extension inside `rate_limit`
 * (`algorithm`, `burst`, `scope`, `failure_mode`) is the policy's `algorithm`, `burst`, `scope` and
 * `failureMode`.
 */
export interface EnvoyRule {
  /** Position of the descriptor in its file, depth first from 0: wildcard values are tried in this order. */
  readonly position: number;
  readonly rateLimit: EnvoyRateLimitKind;
  /** The unit the limit is stated in (`limited` only). */
  readonly unit?: EnvoyUnit;
  /** `rate_limit.name`: reported as `current_limit.name`, and what `replaces` refers to. */
  readonly name?: string;
  /** `rate_limit.replaces[].name`: a request matching this rule drops the evaluation of rules with these names. */
  readonly replaces: readonly string[];
  /** Values matched by a wildcard share one counter instead of one per value. */
  readonly shareThreshold: boolean;
  /** An over-limit answer here makes the request over limit only when every quota-mode descriptor is. */
  readonly quotaMode: boolean;
  /** Kept for envoyproxy/ratelimit's statistics names; no effect on decisions. */
  readonly detailedMetric: boolean;
  /** Kept for envoyproxy/ratelimit's statistics names; no effect on decisions. */
  readonly valueToMetric: boolean;
}

/** Bounds of imported rules; a file beyond them is refused with the path of the offending field. */
export const ENVOY_RULE_BOUNDS = {
  domainMaxLength: 255,
  keyMaxLength: 128,
  valueMaxLength: 1024,
  /** Nesting levels of descriptors (Envoy sends at most this many entries per descriptor to us). */
  depthMax: 32,
  nameMaxLength: 256,
  replacesMax: 64,
  /** Descriptors in one file (one domain): one policy each. */
  descriptorsMax: 1_000,
  /** Largest requests_per_unit we count (envoyproxy/ratelimit allows up to 2^32 - 1). */
  requestsPerUnitMax: 1_000_000_000,
} as const;
