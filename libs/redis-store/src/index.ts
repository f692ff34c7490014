export { createRedisClient, reconnectDelayMs, waitForReady } from './connection';
export type { RedisClientOptions, RedisTarget, RedisTlsOptions } from './connection';
export { isCommandTimeout, redisErrorCode, StoreError, StoreTimeoutError, StoreUnavailableError, toStoreError } from './errors';
export { DEFAULT_TTL_JITTER_MS, parseDecisionReply, parseGlobalWindowReply, RedisCounterStore } from './redis-counter-store';
export type { RedisCounterStoreOptions } from './redis-counter-store';
export {
  composeScript,
  redisTimeClockPrelude,
  ScriptRegistry,
  scriptKeys,
  sha1,
  SLIDING_LOG_SEQUENCE_SUFFIX,
} from './script-registry';
export type {
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
export { withDeadline } from './deadline';
export { InvalidThrottlerHitError, parseThrottlerReply, ThrottlerCounterStore, throttlerKeys } from './throttler-store';
export type { ThrottlerCounterStoreOptions, ThrottlerHit, ThrottlerHits } from './throttler-store';
export { isLeaseAlgorithm, parseLeaseReply, RedisLeaseStore } from './lease-store';
export type { LeaseAlgorithm, LeaseGrant, RedisLeaseStoreOptions } from './lease-store';
