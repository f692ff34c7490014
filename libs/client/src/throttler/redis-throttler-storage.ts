import { ServiceUnavailableException } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { StoreError, ThrottlerCounterStore, type RedisClient } from '@rl/redis-store';

/** The package's ThrottlerStorageRecord (its index does not export the type). */
export type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

export interface RedisThrottlerStorageOptions {
  /** The Redis or Redis Cluster client (`createRedisClient` of @rl/redis-store, or any ioredis client); the caller closes it. */
  readonly client: RedisClient;
  /** Key prefix, `[A-Za-z0-9:_-]{1,32}`; default `rl:thr`. */
  readonly prefix?: string;
  /** Deadline of one hit in milliseconds (default 50); a late reply counts as a Redis failure. */
  readonly timeoutMs?: number;
  /**
   * While Redis fails: `open` (default) lets the request through uncounted; `closed` throws a
   * ServiceUnavailableException (HTTP 503).
   */
  readonly failureMode?: 'open' | 'closed';
  /** Called with each Redis failure, off the request's path. */
  readonly onError?: (error: StoreError) => void;
}

/**
 * @nestjs/throttler's storage (v6 `ThrottlerStorage`) on Redis: existing ThrottlerModule users
 * switch with `ThrottlerModule.forRoot({ throttlers: [...], storage: new RedisThrottlerStorage({ client }) })`
 * and change nothing else. Each `increment` is one atomic script (ThrottlerCounterStore) with the
 * package's own semantics, shared by every instance of the app that uses the same Redis.
 * A record is kept per (key, throttler name).
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly store: ThrottlerCounterStore;
  private readonly failureMode: 'open' | 'closed';

  constructor(private readonly options: RedisThrottlerStorageOptions) {
    const timeoutMs = options.timeoutMs ?? 50;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new RangeError('timeoutMs must be an integer >= 1');
    const failureMode = options.failureMode ?? 'open';
    if (failureMode !== 'open' && failureMode !== 'closed') throw new RangeError('failureMode must be "open" or "closed"');
    this.failureMode = failureMode;
    this.store = new ThrottlerCounterStore({ client: options.client, prefix: options.prefix, deadlineMs: timeoutMs });
  }

  /** `ttl` and `blockDuration` in milliseconds, as the guard passes them; the record's times in whole seconds. */
  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    try {
      return await this.store.increment({ key, throttlerName, ttlMs: ttl, limit, blockDurationMs: blockDuration });
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      if (this.options.onError !== undefined) {
        const listener = this.options.onError;
        queueMicrotask(() => listener(error));
      }
      if (this.failureMode === 'closed') throw new ServiceUnavailableException('rate limiter unavailable');
      return { totalHits: 0, timeToExpire: Math.max(1, Math.ceil(ttl / 1000)), isBlocked: false, timeToBlockExpire: 0 };
    }
  }
}
