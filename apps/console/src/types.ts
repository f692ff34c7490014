/**
 * The admin API's shapes as the console reads them: the policy service's own model and view
 * classes from @rl/contracts, imported as types only (lint refuses a value import from there, so
 * no server code reaches the bundle). The lists the console offers in its forms are its own
 * values, each checked at compile time to hold every member of the contracts' type.
 */
import type {
  AnalyticsEstimateView,
  AnalyticsPointView,
  AnalyticsTimeseriesView,
  AnalyticsTopItemView,
  AnalyticsTopView,
  ApiKeyRole,
  ApiKeyView,
  AuditEntityType,
  AuditEntryView,
  AuditPageView,
  BlockDenialDto,
  BlockView,
  CheckExplanationView,
  CheckResponse,
  CounterResetView,
  CounterStateView,
  CreatedApiKeyView,
  CustomerView,
  GlobalKeyUsageView,
  GlobalPolicyUsageView,
  GlobalRegionUsageView,
  OverrideView,
  PolicyVersionView,
  TierView,
  WhoAmIView,
} from '@rl/contracts';
import type { BlockType, CalendarWindow, ConcurrencyAlgorithm, FailureMode, PolicyAlgorithm, PolicyMode, PolicyScope } from '@rl/contracts';

export type { AnalyticsDimension, ApiKeyRole, BlockType, EnvoyDescriptorEntry, EnvoyRule, EscalationSettings, FailureMode, Policy, PolicyLimit, PolicyMatch } from '@rl/contracts';
export type Algorithm = PolicyAlgorithm;
export type Scope = PolicyScope;
export type Mode = PolicyMode;

/** `list` as it is, refused at compile time unless it holds every member of `T` (and nothing else). */
function everyOf<T>() {
  return <const List extends readonly T[]>(list: List & ([Exclude<T, List[number]>] extends [never] ? unknown : { missing: Exclude<T, List[number]> })): List => list;
}

export const ALGORITHMS = everyOf<PolicyAlgorithm>()(['token_bucket', 'sliding_window', 'fixed_window', 'leaky_bucket', 'gcra', 'sliding_log']);
/** What a policy may name: the rate algorithms, and `concurrency` (requests in flight, with a lease). Overrides are rate limits only. */
export type StoredPolicyAlgorithm = PolicyAlgorithm | ConcurrencyAlgorithm;
export const POLICY_ALGORITHMS = everyOf<StoredPolicyAlgorithm>()([...ALGORITHMS, 'concurrency']);
export const SCOPES = everyOf<PolicyScope>()(['regional', 'global']);
export type { CalendarWindow } from '@rl/contracts';
/** A stacked limit's calendar windows: they reset at local midnight in the limit's time zone. */
export const CALENDAR_WINDOWS = everyOf<CalendarWindow>()(['calendar-day', 'calendar-week', 'calendar-month']);
export const FAILURE_MODES = everyOf<FailureMode>()(['open', 'closed']);
export const MODES = everyOf<PolicyMode>()(['enforce', 'shadow']);
export const BLOCK_TYPES = everyOf<BlockType>()(['key', 'customer', 'ip', 'cidr']);
export const AUDIT_ENTITIES = everyOf<AuditEntityType>()(['policy', 'customer', 'override', 'tier', 'block', 'api_key', 'envoy_domain', 'counter']);
export type AuditEntity = AuditEntityType;

/** The roles an operator may give a key in the console; `enforcer` keys are made for the enforcers only. */
export const ROLES = ['viewer', 'editor', 'admin'] as const satisfies readonly ApiKeyRole[];
export type Role = (typeof ROLES)[number];

/** GET /v1/whoami */
export type WhoAmI = WhoAmIView;
export type ApiKey = ApiKeyView;
/** POST /v1/api-keys: the only answer that carries the token. */
export type CreatedApiKey = CreatedApiKeyView;
export type Tier = TierView;
export type AuditEntry = AuditEntryView;
/** GET /v1/audit */
export type AuditPage = AuditPageView;
export type PolicyVersion = PolicyVersionView;
export type Customer = CustomerView;
export type Override = OverrideView;
/** One denial that caused an automatic block. */
export type BlockDenial = BlockDenialDto;
export type Block = BlockView;
export type RegionUsage = GlobalRegionUsageView;
/** GET /v1/global-usage?policyId=&key= */
export type GlobalKeyUsage = GlobalKeyUsageView;
/** GET /v1/global-usage?policyId= */
export type GlobalPolicyUsage = GlobalPolicyUsageView;
/** How an estimated count was made (sampled events): null fields are unknown (rows from before the statistics). */
export type Estimate = AnalyticsEstimateView;
/** The counts every analytics row carries: allowed and degraded estimated, the others counted. */
export type AnalyticsCounts = Omit<AnalyticsPointView, 'minute' | 'region' | 'policyId'>;
export type TopItem = AnalyticsTopItemView;
/** GET /v1/analytics/top */
export type TopItems = AnalyticsTopView;
export type TimePoint = AnalyticsPointView;
/** GET /v1/analytics/timeseries */
export type TimeSeries = AnalyticsTimeseriesView;
/** Which rule selected a check's policy (the enforcer's dry run, `matched`). */
export type { MatchedRule } from '@rl/contracts';
/** A check answer, as the enforcer gives it (with `dryRun` and `matched` for an explanation). */
export type CheckDecision = CheckResponse;
/** POST /v1/counters/explain */
export type CheckExplanation = CheckExplanationView;
/** One region's state of a counter (GET /v1/counters). */
export type CounterState = CounterStateView;
/** GET /v1/counters */
export type { CountersView } from '@rl/contracts';
/** DELETE /v1/counters */
export type CounterReset = CounterResetView;
