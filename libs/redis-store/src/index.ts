export { createRedisClient, reconnectDelayMs, waitForReady } from './connection';
export type { RedisClientOptions, RedisTarget } from './connection';
export { isCommandTimeout, redisErrorCode, StoreError, StoreTimeoutError, StoreUnavailableError, toStoreError } from './errors';
export { DEFAULT_TTL_JITTER_MS, parseDecisionReply, RedisCounterStore } from './redis-counter-store';
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
