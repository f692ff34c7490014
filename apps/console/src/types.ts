/** The admin API's shapes as the console reads them (the policy service's OpenAPI document at /docs). */

export const ALGORITHMS = ['token_bucket', 'sliding_window', 'fixed_window', 'leaky_bucket', 'gcra', 'sliding_log'] as const;
export const SCOPES = ['regional', 'global'] as const;
export const FAILURE_MODES = ['open', 'closed'] as const;
export const MODES = ['enforce', 'shadow'] as const;
export const BLOCK_TYPES = ['key', 'customer', 'ip', 'cidr'] as const;

export type Algorithm = (typeof ALGORITHMS)[number];
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

export interface Policy {
  id: string;
  match: PolicyMatch;
  algorithm: Algorithm;
  limit: number;
  windowSeconds: number;
  burst?: number;
  scope?: Scope;
  failureMode?: FailureMode;
  mode?: Mode;
  version: number;
  envoy?: EnvoyRule;
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

export interface Block {
  id: string;
  type: BlockType;
  value: string;
  reason: string;
  source: 'operator' | 'automatic';
  createdAt: string;
  createdBy: string;
  expiresAt: string;
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

/** GET /v1/analytics/top */
export interface TopItems {
  from: string;
  to: string;
  dimension: AnalyticsDimension;
  items: { value: string; region: string; policyId: string; denied: number; shadowDenied: number; allowed: number }[];
}

/** GET /v1/analytics/timeseries */
export interface TimeSeries {
  from: string;
  to: string;
  stepSeconds: number;
  points: { minute: string; region: string; policyId: string; allowed: number; denied: number; shadowDenied: number }[];
}
