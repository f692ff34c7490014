/** The admin API's shapes as the console reads them (the policy service's OpenAPI document at /docs). */

export const ALGORITHMS = ['token_bucket', 'sliding_window', 'fixed_window', 'leaky_bucket', 'gcra', 'sliding_log'] as const;
/** What a policy may name: the rate algorithms, and `concurrency` (requests in flight, with a lease). Overrides are rate limits only. */
export const POLICY_ALGORITHMS = [...ALGORITHMS, 'concurrency'] as const;
export const SCOPES = ['regional', 'global'] as const;
export const FAILURE_MODES = ['open', 'closed'] as const;
export const MODES = ['enforce', 'shadow'] as const;
export const BLOCK_TYPES = ['key', 'customer', 'ip', 'cidr'] as const;

export type Algorithm = (typeof ALGORITHMS)[number];
export type PolicyAlgorithm = (typeof POLICY_ALGORITHMS)[number];
export type Scope = (typeof SCOPES)[number];
export type FailureMode = (typeof FAILURE_MODES)[number];
export type Mode = (typeof MODES)[number];
export type BlockType = (typeof BLOCK_TYPES)[number];

export interface EnvoyDescriptorEntry {
  key: string;
  value?: string;
}

export interface PolicyMatch {
  customerTier?: string;
  customerId?: string;
  route?: string;
  method?: string;
  /** A rule imported from an envoyproxy/ratelimit file: its domain and descriptor path. */
  envoy?: { domain: string; descriptors: EnvoyDescriptorEntry[] };
}

/** The envoy settings of an imported rule (POST /v1/imports/envoy-ratelimit). */
export interface EnvoyRule {
  position: number;
  rateLimit: 'limited' | 'unlimited' | 'none';
  unit?: string;
  name?: string;
  replaces: string[];
  shareThreshold: boolean;
  quotaMode: boolean;
  detailedMetric: boolean;
  valueToMetric: boolean;
}

/** A policy's automatic-block settings; a field left out takes the enforcers' ESCALATION_* default. */
export interface EscalationSettings {
  /** Distinct policies that must deny a key within windowSeconds, this one last; 0: never. */
  threshold?: number;
  windowSeconds?: number;
  blockSeconds?: number;
}

export interface Policy {
  id: string;
  match: PolicyMatch;
  algorithm: PolicyAlgorithm;
  limit: number;
  windowSeconds: number;
  /** Concurrency policies: seconds after which an unreleased lease expires (windowSeconds equals it). */
  leaseSeconds?: number;
  burst?: number;
  scope?: Scope;
  failureMode?: FailureMode;
  mode?: Mode;
  version: number;
  envoy?: EnvoyRule;
  escalation?: EscalationSettings;
}

export const ROLES = ['viewer', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** GET /v1/whoami */
export interface WhoAmI {
  keyId: string;
  name: string;
  role: Role;
}

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  revokedAt?: string | null;
}

/** POST /v1/api-keys: the only answer that carries the token. */
export interface CreatedApiKey extends ApiKey {
  token: string;
}

export interface Tier {
  id: string;
  description: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  customerCount: number;
  policies: Policy[];
}

export const AUDIT_ENTITIES = ['policy', 'customer', 'override', 'tier', 'block', 'api_key', 'envoy_domain', 'counter'] as const;
export type AuditEntity = (typeof AUDIT_ENTITIES)[number];

export interface AuditEntry {
  id: number;
  at: string;
  actorKeyId?: string;
  actorName: string;
  action: string;
  entityType: string;
  entityId: string;
  revision?: number;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

/** GET /v1/audit */
export interface AuditPage {
  items: AuditEntry[];
  nextBefore: number | null;
}

export interface PolicyVersion {
  version: number;
  change: 'created' | 'updated' | 'rolled_back';
  rolledBackFrom?: number;
  createdAt: string;
  actorName: string;
  policy: Policy;
}

export interface Customer {
  id: string;
  tier: string;
  version: number;
  updatedAt: string;
}

export interface Override {
  customer_id: string;
  limit: number;
  window: number;
  policy: Policy;
  updatedAt: string;
}

/** One denial that caused an automatic block. */
export interface BlockDenial {
  policyId: string;
  at: string;
  region: string;
  route?: string;
  method?: string;
  customerId?: string;
  limit?: number;
  windowSeconds?: number;
}

export interface Block {
  id: string;
  type: BlockType;
  value: string;
  reason: string;
  source: 'operator' | 'automatic';
  createdAt: string;
  createdBy: string;
  expiresAt: string;
  denials?: BlockDenial[];
}

export interface RegionUsage {
  region: string;
  admitted: number;
  denied: number;
  allocation: number;
  lastReportAt?: string | null;
  silent?: boolean;
}

/** GET /v1/global-usage?policyId=&key= */
export interface GlobalKeyUsage {
  policyId: string;
  key: string;
  limit: number;
  windowSeconds: number;
  windowStart: string;
  epoch: number;
  leader: boolean;
  regions: RegionUsage[];
}

/** GET /v1/global-usage?policyId= */
export interface GlobalPolicyUsage {
  policyId: string;
  limit: number;
  windowSeconds: number;
  windowStart: string;
  epoch: number;
  keys: { key: string; admitted: number; denied: number; regions: RegionUsage[] }[];
}

export type AnalyticsDimension = 'key' | 'customer';

/** How an estimated count was made (sampled events): null fields are unknown (rows from before the statistics). */
export interface Estimate {
  exact: boolean;
  sampledEvents: number | null;
  sampleRate: number | null;
  /** Half-width of the 95% confidence interval. */
  errorBound: number | null;
}

/** The counts every analytics row carries: allowed and degraded estimated, the others counted. */
export interface AnalyticsCounts {
  allowed: number;
  denied: number;
  shadowDenied: number;
  blocked: number;
  degraded: number;
  allowedEstimate: Estimate;
  degradedEstimate: Estimate;
}

export interface TopItem extends AnalyticsCounts {
  value: string;
  region: string;
  policyId: string;
}

/** GET /v1/analytics/top */
export interface TopItems {
  from: string;
  to: string;
  dimension: AnalyticsDimension;
  items: TopItem[];
}

export interface TimePoint extends AnalyticsCounts {
  minute: string;
  region: string;
  policyId: string;
}

/** GET /v1/analytics/timeseries */
export interface TimeSeries {
  from: string;
  to: string;
  stepSeconds: number;
  points: TimePoint[];
}
