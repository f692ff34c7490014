import { CONCURRENCY_ALGORITHM, type EnvoyRule, type EscalationSettings, type Policy, type PolicyLimit, type PolicyMatch, type PolicyVersionView } from '@rl/contracts';

/** A row of `policies`. */
export interface PolicyRow {
  id: string;
  version: number;
  match: PolicyMatch;
  match_key: string;
  algorithm: Policy['algorithm'];
  limit: number;
  /** A concurrency policy's lease (its `leaseSeconds`, which its `windowSeconds` equals). */
  window_seconds: number;
  burst: number;
  scope: Policy['scope'];
  failure_mode: Policy['failureMode'];
  mode: Policy['mode'];
  /** Set exactly for a rule imported from an envoyproxy/ratelimit file. */
  envoy: EnvoyRule | null;
  escalation: EscalationSettings | null;
  /** Stacked limits; NULL for a policy of one limit. */
  limits: PolicyLimit[] | null;
  created_at: Date;
  updated_at: Date;
}

/** A row of `policy_versions`. */
export interface PolicyVersionRow {
  policy_id: string;
  version: number;
  policy: Policy;
  change: PolicyVersionView['change'];
  rolled_back_from: number | null;
  actor_key_id: string | null;
  actor_name: string;
  created_at: Date;
}

/**
 * A policy with its fields in the contract's order. Policies stored as jsonb come back with their
 * keys reordered; responses and messages read better in one order.
 */
export function canonicalPolicy(policy: Policy): Policy {
  const match: { -readonly [K in keyof PolicyMatch]: PolicyMatch[K] } = {};
  if (policy.match.customerTier !== undefined) match.customerTier = policy.match.customerTier;
  if (policy.match.customerId !== undefined) match.customerId = policy.match.customerId;
  if (policy.match.route !== undefined) match.route = policy.match.route;
  if (policy.match.method !== undefined) match.method = policy.match.method;
  if (policy.match.envoy !== undefined) {
    const { domain, descriptors } = policy.match.envoy;
    match.envoy = { domain, descriptors: descriptors.map(({ key, value }) => (value === undefined ? { key } : { key, value })) };
  }
  const canonical: Policy = {
    id: policy.id,
    match,
    algorithm: policy.algorithm,
    limit: policy.limit,
    windowSeconds: policy.windowSeconds,
    burst: policy.burst,
    scope: policy.scope,
    failureMode: policy.failureMode,
    mode: policy.mode,
    version: policy.version,
    ...(policy.leaseSeconds === undefined ? {} : { leaseSeconds: policy.leaseSeconds }),
    ...(policy.escalation === undefined ? {} : { escalation: canonicalEscalation(policy.escalation) }),
    ...(policy.limits === undefined ? {} : { limits: policy.limits.map(canonicalLimit) }),
  };
  return policy.envoy === undefined ? canonical : { ...canonical, envoy: canonicalEnvoyRule(policy.envoy) };
}

function canonicalLimit(limit: PolicyLimit): PolicyLimit {
  return {
    name: limit.name,
    limit: limit.limit,
    ...(limit.windowSeconds === undefined ? {} : { windowSeconds: limit.windowSeconds }),
    ...(limit.window === undefined ? {} : { window: limit.window }),
    ...(limit.timeZone === undefined ? {} : { timeZone: limit.timeZone }),
    algorithm: limit.algorithm,
    burst: limit.burst,
    ...(limit.scope === undefined ? {} : { scope: limit.scope }),
  };
}

function canonicalEscalation(settings: EscalationSettings): EscalationSettings {
  return {
    ...(settings.threshold === undefined ? {} : { threshold: settings.threshold }),
    ...(settings.windowSeconds === undefined ? {} : { windowSeconds: settings.windowSeconds }),
    ...(settings.blockSeconds === undefined ? {} : { blockSeconds: settings.blockSeconds }),
  };
}

function canonicalEnvoyRule(rule: EnvoyRule): EnvoyRule {
  return {
    position: rule.position,
    rateLimit: rule.rateLimit,
    ...(rule.unit === undefined ? {} : { unit: rule.unit }),
    ...(rule.name === undefined ? {} : { name: rule.name }),
    replaces: [...rule.replaces],
    shareThreshold: rule.shareThreshold,
    quotaMode: rule.quotaMode,
    detailedMetric: rule.detailedMetric,
    valueToMetric: rule.valueToMetric,
  };
}

export function toPolicy(row: PolicyRow): Policy {
  return canonicalPolicy({
    id: row.id,
    match: row.match,
    algorithm: row.algorithm,
    limit: row.limit,
    windowSeconds: row.window_seconds,
    burst: row.burst,
    scope: row.scope,
    failureMode: row.failure_mode,
    mode: row.mode,
    version: row.version,
    ...(row.algorithm === CONCURRENCY_ALGORITHM ? { leaseSeconds: row.window_seconds } : {}),
    ...(row.envoy === null || row.envoy === undefined ? {} : { envoy: row.envoy }),
    ...(row.escalation === null ? {} : { escalation: row.escalation }),
    ...(row.limits === null || row.limits === undefined ? {} : { limits: row.limits }),
  });
}

export function toVersionView(row: PolicyVersionRow): PolicyVersionView {
  return {
    version: row.version,
    change: row.change,
    ...(row.rolled_back_from === null ? {} : { rolledBackFrom: row.rolled_back_from }),
    createdAt: row.created_at.toISOString(),
    ...(row.actor_key_id === null ? {} : { actorKeyId: row.actor_key_id }),
    actorName: row.actor_name,
    policy: canonicalPolicy(row.policy),
  };
}

/**
 * Two policies with the same key match exactly the same requests, which a policy document forbids
 * (validatePolicyDocument); the column is UNIQUE. A concurrency policy limits requests in flight,
 * not a rate, so it may share its match with a rate policy: its key says `concurrency`.
 */
export function matchKey(match: PolicyMatch, algorithm?: Policy['algorithm']): string {
  if (match.envoy !== undefined) return JSON.stringify(['envoy', match.envoy.domain, match.envoy.descriptors.map((e) => (e.value === undefined ? [e.key] : [e.key, e.value]))]);
  const key = [match.customerId ?? null, match.customerTier ?? null, match.route ?? null, match.method ?? null];
  return JSON.stringify(algorithm === CONCURRENCY_ALGORITHM ? [...key, CONCURRENCY_ALGORITHM] : key);
}

/** The columns of `policies` after `id`, in order, for INSERT and UPDATE. */
export function policyColumns(policy: Policy): unknown[] {
  return [
    policy.version,
    JSON.stringify(policy.match),
    matchKey(policy.match, policy.algorithm),
    policy.algorithm,
    policy.limit,
    policy.windowSeconds,
    policy.burst,
    policy.scope,
    policy.failureMode,
    policy.mode,
    policy.envoy === undefined ? null : JSON.stringify(policy.envoy),
    policy.escalation === undefined ? null : JSON.stringify(policy.escalation),
    policy.limits === undefined ? null : JSON.stringify(policy.limits),
  ];
}
