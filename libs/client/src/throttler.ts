// @rl/client/throttler: a Redis ThrottlerStorage for @nestjs/throttler v6.
export { RedisThrottlerStorage } from './throttler/redis-throttler-storage';
export type { RedisThrottlerStorageOptions, ThrottlerStorageRecord } from './throttler/redis-throttler-storage';
