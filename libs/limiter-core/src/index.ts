export { ALGORITHMS, isAlgorithmName, toDecision } from './types';
export type { Algorithm, AlgorithmName, Decision, LimitParams, RawDecision, StepInput, StepResult } from './types';
export { ManualClock, systemClock } from './clock';
export type { Clock } from './clock';
export { clampRemaining, settleRetry } from './numeric';
export { algorithmFor, fixedWindow, gcra, leakyBucket, maxCost, slidingLog, slidingWindow, tokenBucket } from './algorithms';
export type {
  FixedWindowState,
  GcraState,
  LeakyBucketState,
  LogEntry,
  MeterState,
  SlidingLogState,
  SlidingWindowState,
  TokenBucketState,
} from './algorithms';
export { countInWindow, windowStart } from './algorithms/fixed-window';
export { CalendarWindowClock, calendarBounds } from './stacked/calendar';
export type { CalendarBounds } from './stacked/calendar';
export { calendarWindowStep } from './stacked/calendar-window';
export { combineStacked, decideStacked, isStackedRequest, stackedMaxCost } from './stacked/stacked';
export { globalCalendarWindowStep } from './stacked/global-calendar-window';
export type { StackedDecision, StackedGlobalWindow, StackedLimit, StackedLimitDecider, StackedRequest } from './stacked/stacked';
export { MemoryStateStore } from './memory-state-store';
export { GenerationalCache } from './generational-cache';
export { LocalLimiter, unadmissible, unadmissibleStacked } from './limiter';
export type { CounterStore, KeyedSettleableLimit, LimitRequest, LocalLimiterOptions } from './limiter';
export { buildConcurrencyKey, buildCounterKey, buildStackKeys, counterIdentity, safeIdentity } from './keys';
export { compactIpIdentity, expandIpIdentity } from './ip-identity';
export { RateEstimator } from './hot-keys/rate-estimator';
export type { RateEstimatorOptions } from './hot-keys/rate-estimator';
export { leasable, leaseGrant, leaseSize } from './hot-keys/lease-sizing';
export type { LeaseSizeInput } from './hot-keys/lease-sizing';
export { buildGlobalCounterKey, globalWindowStep } from './global-window';
export type { GlobalWindowDecision, GlobalWindowRequest, GlobalWindowState, GlobalWindowStepInput, GlobalWindowStepResult, GlobalWindowStore } from './global-window';
export { StoreError, StoreTimeoutError, StoreUnavailableError } from './store-errors';
export type { BatchCounterStore, StoreDecision, StoreRequest } from './store-port';
export { adjustCounter, adjustWindow, algorithmKind, decisionExpiryUs, recordExpiryUs, decisionRecordKey, isSettleable, SETTLEABLE_ALGORITHMS, settleStep } from './settle/settle';
export type { AdjustedCounter, DecisionRecord, SettleableAlgorithm, SettleInput, SettleResult, SettleStatus } from './settle/settle';
export { adjustStackLimit, recordStackLimit, settleStackStep, stackedRecord } from './settle/stack-settle';
export type { SettleableLimit, SettledStackLimit, StackedDecisionRecord, StackedRecordLimit } from './settle/stack-settle';
export { acquireStep, peekLeases, releaseStep } from './concurrency/concurrency';
export type { AcquireInput, AcquireResult, LeaseSet, LeaseView } from './concurrency/concurrency';
