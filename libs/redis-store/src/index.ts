export { createRedisClient, reconnectDelayMs, waitForReady } from './connection';
export type { RedisClientOptions, RedisTarget, RedisTlsOptions } from './connection';
export { isCommandTimeout, redisErrorCode, StoreError, StoreTimeoutError, StoreUnavailableError, toStoreError } from './errors';
export { DEFAULT_MAX_BATCH_SIZE, DEFAULT_TTL_JITTER_MS, parseDecisionReply, parseGlobalWindowReply, RedisCounterStore } from './redis-counter-store';
export { BATCH_KINDS, BATCH_JITTER_STRIDE_MS, batchJitterMs, BatchEntryNotRunError, encodeBatch, parseBatchReply, requestKeys } from './batch-codec';
export type { BatchEntryOutcome, EncodedBatch } from './batch-codec';
export { boundCall } from './call-deadline';
export type { CallDeadline } from './call-deadline';
export { keySlot } from './cluster-routing';
export type { RedisCounterStoreOptions } from './redis-counter-store';
export {
  composeScript,
  CROSS_SLOT_SHEBANG,
  evalScript,
  redisTimeClockPrelude,
  ScriptRegistry,
  scriptFiles,
  scriptKeys,
  sha1,
  SLIDING_LOG_SEQUENCE_SUFFIX,
} from './script-registry';
export type {
  BatchScript,
  BatchScriptCall,
  BatchScriptVariant,
  GlobalWindowScript,
  GlobalWindowScriptCall,
  LimiterScript,
  RedisClient,
  ScriptArgs,
  ScriptCall,
  ScriptKeys,
  ScriptKeysByAlgorithm,
  ScriptRegistryOptions,
  ScriptRunner,
} from './script-registry';
export { withDeadline, withProgressDeadline } from './deadline';
export type { ProgressDeadlineOptions } from './deadline';
export { ConnectionProgress, progressReader } from './progress';
export { InvalidThrottlerHitError, parseThrottlerReply, ThrottlerCounterStore, throttlerKeys } from './throttler-store';
export type { ThrottlerCounterStoreOptions, ThrottlerHit, ThrottlerHits } from './throttler-store';
export { isLeasableStack, isLeaseAlgorithm, parseLeaseReply, parseStackedLeaseReply, RedisLeaseStore } from './lease-store';
export type { LeaseAlgorithm, LeaseGrant, RedisLeaseStoreOptions, StackedLeaseGrant } from './lease-store';
export { DECISION_RECORD_GRACE_MS, parseSettleReply, parseStackSettleReply, RedisSettleStore } from './settle-store';
export type { CounterToCharge, DecisionToRecord, RedisSettleStoreOptions, SettleableStackLimit, SettledLimit, SettleReply, StackSettleReply, StackToRecord } from './settle-store';
export { RedisConcurrencyStore } from './concurrency-store';
export type { LeaseToAcquire, RedisConcurrencyStoreOptions } from './concurrency-store';
export { ScriptSet } from './script-set';
export type { ScriptSetOptions } from './script-set';
