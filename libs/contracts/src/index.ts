export { CHECK_BOUNDS, PRINTABLE_PATTERN } from './check/check-bounds';
export type { CheckRequest } from './check/check-request';
export { CHECK_FIELD_RULES, CHECK_REQUEST_SCHEMA } from './check/check-request.schema';
export { MATCHED_RULES } from './check/check-response';
export type { CheckResponse, MatchedRule } from './check/check-response';
export { CHECK_RESPONSE_SCHEMA } from './check/check-response.schema';
export type { PolicyRef } from './check/policy-ref';
export { limitItemName, policyWindowSeconds } from './check/rate-limit-fields';
export { PROBLEM_JSON, PROBLEM_TITLES, QUOTA_EXCEEDED_PROBLEM_TYPE, TEMPORARY_REDUCED_CAPACITY_PROBLEM_TYPE, rateLimitProblem } from './check/problem-details';
export type { RateLimitProblem } from './check/problem-details';
export type { BadRequestResponse } from './check/bad-request-response';
export type { ReadinessResponse } from './health/readiness-response';
export { CONCURRENCY_ALGORITHM, POLICY_ALGORITHMS, STORED_POLICY_ALGORITHMS } from './policies/policy-algorithm';
export type { ConcurrencyAlgorithm, PolicyAlgorithm } from './policies/policy-algorithm';
export { POLICY_SCOPES } from './policies/policy-scope';
export type { PolicyScope } from './policies/policy-scope';
export { FAILURE_MODES } from './policies/failure-mode';
export type { FailureMode } from './policies/failure-mode';
export { POLICY_MODES } from './policies/policy-mode';
export type { PolicyMode } from './policies/policy-mode';
export type { PolicyMatch } from './policies/policy-match';
export { ENVOY_UNITS, ENVOY_UNIT_SECONDS } from './policies/envoy-unit';
export type { EnvoyUnit } from './policies/envoy-unit';
export { ENVOY_RATE_LIMIT_KINDS, ENVOY_RULE_BOUNDS } from './policies/envoy-rule';
export type { EnvoyDescriptorEntry, EnvoyDescriptorMatch, EnvoyRateLimitKind, EnvoyRule } from './policies/envoy-rule';
export { ENVOY_RULE_TEXT } from './policies/read-envoy-rule';
export type { Policy } from './policies/policy';
export { limitScope, POLICY_LIMIT_BOUNDS } from './policies/policy-limit';
export type { PolicyLimit } from './policies/policy-limit';
export { CALENDAR_WINDOWS, CALENDAR_WINDOW_SECONDS, isCalendarWindow, isTimeZone } from './policies/calendar-window';
export type { CalendarWindow } from './policies/calendar-window';
export { ESCALATION_BOUNDS, ESCALATION_FIELDS } from './policies/escalation-settings';
export type { EscalationSettings } from './policies/escalation-settings';
export type { CustomerAssignment } from './policies/customer-assignment';
export type { PolicyDocument } from './policies/policy-document';
export { POLICY_RULES, limitWindowSeconds, validatePolicy } from './policies/validate-policy';
export type { ValidatePolicyOptions } from './policies/validate-policy';
export { validatePolicyDocument } from './policies/validate-policy-document';
export type { FieldError } from './validation/field-error';
export type { ValidationResult } from './validation/validation-result';
export type { PolicySnapshot } from './control-plane/policy-snapshot';
export { POLICY_CHANGE_KINDS } from './control-plane/policy-change';
export type { PolicyChange, PolicyChangeKind, PolicyChangeMessage } from './control-plane/policy-change';
export { NATS_NAMESPACE_PATTERN, assertNamespace, policyChangeMsgId, policyChangesStream, policyChangesSubject } from './control-plane/subjects';
export { CustomerAssignmentDto } from './control-plane/customer-assignment.dto';
export { PolicyChangeDto } from './control-plane/policy-change.dto';
export { PolicyChangeMessageDto } from './control-plane/policy-change-message.dto';
export { POLICY_CHANGE_MESSAGE_MAX_BYTES, parsePolicyChangeMessage } from './control-plane/parse-policy-change-message';
export { validatePolicySnapshot } from './control-plane/validate-policy-snapshot';
export {
  SIGNATURE_BYTES,
  SIGNATURE_HEADER,
  SIGNATURE_SCHEME,
  SIGNED_PURPOSES,
  SIGNING_KEY_ID_PATTERN,
  encodeSignedEnvelope,
  formatSignatureLine,
  parseSignatureLine,
  parseSignedEnvelope,
  signatureToken,
  signedBytes,
} from './control-plane/signed-envelope';
export type { EnvelopeParse, EnvelopeProblem, SignatureLine, SignedEnvelope, SignedPurpose } from './control-plane/signed-envelope';
export { ADMIN_BOUNDS, ADMIN_MESSAGES } from './admin/admin-bounds';
export { IsCustomerId, IsPolicyMatch, IsPrintable, IsWindow, isPrintable } from './admin/admin-validators';
export { API_KEY_ROLES } from './admin/api-key-role';
export type { ApiKeyRole } from './admin/api-key-role';
export { parseDuration, windowToSeconds } from './admin/parse-duration';
export { PolicyMatchDto } from './admin/policy-match.dto';
export { EscalationSettingsDto } from './admin/escalation-settings.dto';
export { PolicyFieldsDto } from './admin/policy-fields.dto';
export { CreatePolicyDto } from './admin/create-policy.dto';
export { ReplacePolicyDto } from './admin/replace-policy.dto';
export { RollbackPolicyDto } from './admin/rollback-policy.dto';
export { AssignTierDto } from './admin/assign-tier.dto';
export { CreateTierDto } from './admin/create-tier.dto';
export { ReplaceTierDto } from './admin/replace-tier.dto';
export { TierView } from './admin/tier-view';
export { TierListView } from './admin/tier-list-view';
export { SetLimitDto } from './admin/set-limit.dto';
export { CreateApiKeyDto } from './admin/create-api-key.dto';
export { AuditQueryDto } from './admin/audit-query.dto';
export { AUDIT_ENTITY_TYPES } from './admin/audit-entity-type';
export type { AuditEntityType } from './admin/audit-entity-type';
export { PolicyView } from './admin/policy-view';
export { PolicyListView } from './admin/policy-list-view';
export { POLICY_VERSION_CHANGES, PolicyVersionView } from './admin/policy-version-view';
export { PolicyVersionListView } from './admin/policy-version-list-view';
export { CustomerView } from './admin/customer-view';
export { CustomerListView } from './admin/customer-list-view';
export { CustomerAssignmentView } from './admin/customer-assignment-view';
export { OverrideView } from './admin/override-view';
export { OverrideListView } from './admin/override-list-view';
export { ApiKeyView } from './admin/api-key-view';
export { CreatedApiKeyView } from './admin/created-api-key-view';
export { ApiKeyListView } from './admin/api-key-list-view';
export { WhoAmIView } from './admin/whoami-view';
export { AuditEntryView } from './admin/audit-entry-view';
export { AuditPageView } from './admin/audit-page-view';
export { FieldErrorView } from './admin/field-error-view';
export { ErrorView } from './admin/error-view';
export { SnapshotView } from './admin/snapshot-view';
export { EnvoyImportQueryDto } from './admin/envoy-import-query.dto';
export { EnvoyImportView } from './admin/envoy-import-view';
export { EnvoyDescriptorEntryView, EnvoyDescriptorMatchView, EnvoyPolicyMatchView, EnvoyPolicyView, EnvoyRuleView } from './admin/envoy-policy-view';
export { toFieldErrors } from './admin/to-field-errors';
export { BLOCK_BOUNDS, BLOCK_SOURCES, BLOCK_TYPES, blockValueProblem } from './control-plane/block';
export type { BlockSource, BlockType } from './control-plane/block';
export { BlockDto } from './control-plane/block.dto';
export type { Block } from './control-plane/block.dto';
export { addressBits, parseCidr, parseIpAddress, prefixMask } from './control-plane/ip-address';
export type { IpAddress, IpNetwork } from './control-plane/ip-address';
export { CreateBlockDto } from './admin/create-block.dto';
export { BLOCK_DENIALS_MAX, BlockDenialDto } from './admin/block-denial.dto';
export { BlockView } from './admin/block-view';
export { BlockListView } from './admin/block-list-view';
export { GlobalUsageQueryDto } from './admin/global-usage-query.dto';
export { GlobalRegionUsageView } from './admin/global-region-usage-view';
export { GlobalKeyUsageView } from './admin/global-key-usage-view';
export { GlobalKeySummaryView } from './admin/global-key-summary-view';
export { GlobalPolicyUsageView } from './admin/global-policy-usage-view';
export { parseUsageReport, UsageReportDto } from './global/usage-report.dto';
export type { UsageKey, UsageReport, UsageWindow } from './global/usage-report.dto';
export { AllocationWindowDto, UsageWindowDto } from './global/policy-window.dto';
export { AllocationUpdateDto, parseAllocationUpdate } from './global/allocation-update.dto';
export type { AllocationKey, AllocationUpdate, AllocationWindow } from './global/allocation-update.dto';
export { GLOBAL_BOUNDS, GLOBAL_SCHEMA_VERSION } from './global/global-bounds';
export { globalWindowMs, globalWindowStartMs } from './global/global-window';
export { encodeGlobalMessage } from './global/encode-global-message';
export {
  GLOBAL_REGION_PATTERN,
  RECONCILER_EPOCH_KEY,
  RECONCILER_LEADER_KEY,
  allocationMsgId,
  assertRegion,
  globalAllocationsStream,
  globalAllocationsSubject,
  globalAllocationsWildcard,
  globalUsageSubject,
  globalUsageWildcard,
  reconcilerKvBucket,
  regionOfGlobalSubject,
} from './global/subjects';
export { DECISION_OUTCOMES } from './events/decision-outcome';
export type { DecisionOutcome } from './events/decision-outcome';
export { DECISION_EVENT_BOUNDS, EVENT_REGION_RULE, INSTANCE_ID_RULE, KEY_HASH_RULE } from './events/decision-event-bounds';
export { DecisionEventDto } from './events/decision-event.dto';
export type { DecisionEvent } from './events/decision-event.dto';
export { BOOT_ID_RULE, DecisionEventBatchDto, parseDecisionEventBatch } from './events/decision-event-batch.dto';
export type { DecisionEventBatch } from './events/decision-event-batch.dto';
export { assertEventRegion, decisionEventsMsgId, decisionEventsStream, decisionEventsSubject, decisionEventsWildcard } from './events/subjects';
export { ANALYTICS_BOUNDS, ANALYTICS_DIMENSIONS, ANALYTICS_MESSAGES } from './analytics/analytics-bounds';
export type { AnalyticsDimension } from './analytics/analytics-bounds';
export { AnalyticsRangeQueryDto } from './analytics/analytics-range-query.dto';
export { AnalyticsTopQueryDto } from './analytics/analytics-top-query.dto';
export { AnalyticsTimeseriesQueryDto } from './analytics/analytics-timeseries-query.dto';
export { AnalyticsEstimateView } from './analytics/analytics-estimate-view';
export { AnalyticsTopItemView } from './analytics/analytics-top-item-view';
export { AnalyticsTopView } from './analytics/analytics-top-view';
export { AnalyticsPointView } from './analytics/analytics-point-view';
export { AnalyticsTimeseriesView } from './analytics/analytics-timeseries-view';
export { CounterQueryDto } from './admin/counter-query.dto';
export type { CounterLimitStateView, CounterStateView, CountersView, LeaseStateView } from './admin/counter-state-view';
export { CounterLimitStateDto, CounterPolicyRefDto, CounterStateDto, LeaseStateDto } from './admin/counter-state.dto';
export { ExplainCheckDto } from './admin/explain-check.dto';
export { EXPLAINED_HEADER_NAMES } from './admin/check-explanation-view';
export type { CheckExplanationView } from './admin/check-explanation-view';
export type { CounterResetView } from './admin/counter-reset-view';
export { generateSigningKeyPair, signingKeyId } from './control-plane/signing-key-id';
export type { SigningKeyPair } from './control-plane/signing-key-id';
export type { SettleRequest } from './check/settle-request';
export { DECISION_ID_PATTERN, SETTLE_FIELD_RULES, SETTLE_REQUEST_SCHEMA } from './check/settle-request.schema';
export { SETTLE_RESPONSE_SCHEMA } from './check/settle-response';
export type { SettledLimitState, SettleResponse } from './check/settle-response';
export { ACQUIRE_RESPONSE_SCHEMA, LEASE_ID_PATTERN, RELEASE_FIELD_RULES, RELEASE_REQUEST_SCHEMA } from './check/acquire';
export type { AcquireResponse, ReleaseRequest } from './check/acquire';
