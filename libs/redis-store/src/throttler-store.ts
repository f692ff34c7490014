import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { safeIdentity } from '@rl/limiter-core';
import { withDeadline } from './deadline';
import { redisErrorCode, StoreError, StoreUnavailableError, toStoreError } from './errors';
import { DEFAULT_TTL_JITTER_MS } from './redis-counter-store';
import { composeScript, redisTimeClockPrelude, sha1, type RedisClient } from './script-registry';

/** One hit as @nestjs/throttler's ThrottlerStorage.increment receives it (times in milliseconds). */
export interface ThrottlerHit {
  /** The throttler's key (the guard's generateKey output). Any string; unsafe text is hashed. */
  readonly key: string;
  readonly throttlerName: string;
  /** How long each hit counts, milliseconds (> 0). */
  readonly ttlMs: number;
  /** Live hits allowed (>= 0). */
  readonly limit: number;
  /** How long the key is blocked once over the limit, milliseconds; 0 never blocks. */
  readonly blockDurationMs: number;
}

/** ThrottlerStorageRecord, field for field: whole seconds, rounded up. */
export interface ThrottlerHits {
  readonly totalHits: number;
  readonly timeToExpire: number;
  readonly isBlocked: boolean;
  readonly timeToBlockExpire: number;
}

export interface ThrottlerCounterStoreOptions {
  readonly client: RedisClient;
  /** Key prefix, `[A-Za-z0-9:_-]{1,32}`; default `rl:thr`. */
  readonly prefix?: string;
  /** Decision deadline in milliseconds (see withDeadline); none when unset (the client's command timeout applies). */
  readonly deadlineMs?: number;
  /** TTL jitter in milliseconds, injected by tests; default uniform in [0, 1000). */
  readonly jitterMs?: () => number;
}

/** The throttler script with the Redis TIME prelude and the shared helpers, composed once. */
let throttlerScript: { readonly source: string; readonly sha: string } | undefined;

function script(): { readonly source: string; readonly sha: string } {
  if (throttlerScript === undefined) {
    const lua = (file: string): string => readFileSync(join(__dirname, 'lua', file), 'utf8');
    const source = composeScript([redisTimeClockPrelude(), lua('lib/common.lua'), lua('throttler.lua')]);
    throttlerScript = { source, sha: sha1(source) };
  }
  return throttlerScript;
}

const PREFIX_PATTERN = /^[A-Za-z0-9:_-]{1,32}$/;

/**
 * The KEYS of one throttler record: a hit log and a metadata hash sharing one `{hash tag}` (one
 * Redis Cluster slot). Key and name pass through safeIdentity, so raw text never shapes the key.
 */
export function throttlerKeys(input: { prefix: string; key: string; throttlerName: string }): readonly [hits: string, meta: string] {
  const tag = `${input.prefix}:{${safeIdentity(input.key)}:${safeIdentity(input.throttlerName)}}`;
  return [`${tag}:h`, `${tag}:m`];
}

/** A hit whose numbers the script cannot take; a programming or configuration error of the caller. */
export class InvalidThrottlerHitError extends Error {
  constructor(readonly field: keyof ThrottlerHit, message: string) {
    super(`${field} ${message}`);
    this.name = 'InvalidThrottlerHitError';
  }
}

function checkHit(hit: ThrottlerHit): void {
  if (!Number.isFinite(hit.ttlMs) || hit.ttlMs <= 0) throw new InvalidThrottlerHitError('ttlMs', 'must be a positive number of milliseconds');
  if (!Number.isFinite(hit.limit) || hit.limit < 0) throw new InvalidThrottlerHitError('limit', 'must be a number >= 0');
  if (!Number.isFinite(hit.blockDurationMs)) throw new InvalidThrottlerHitError('blockDurationMs', 'must be a number of milliseconds');
}

/**
 * @nestjs/throttler's storage contract over Redis: one atomic script per hit (lua/throttler.lua),
 * time from Redis TIME, keys that expire once nothing in them matters. Works on a standalone
 * Redis and on a Redis Cluster. Failures reject with a StoreError and are never retried (a hit
 * whose reply timed out may have been recorded).
 */
export class ThrottlerCounterStore {
  private readonly client: RedisClient;
  private readonly prefix: string;
  private readonly deadlineMs: number | undefined;
  private readonly jitterMs: () => number;

  constructor(options: ThrottlerCounterStoreOptions) {
    const prefix = options.prefix ?? 'rl:thr';
    if (!PREFIX_PATTERN.test(prefix)) throw new RangeError(`prefix must match ${PREFIX_PATTERN.source}`);
    this.client = options.client;
    this.prefix = prefix;
    this.deadlineMs = options.deadlineMs;
    this.jitterMs = options.jitterMs ?? ((): number => Math.floor(Math.random() * DEFAULT_TTL_JITTER_MS));
  }

  async increment(hit: ThrottlerHit): Promise<ThrottlerHits> {
    checkHit(hit);
    const keys = throttlerKeys({ prefix: this.prefix, key: hit.key, throttlerName: hit.throttlerName });
    const args = [
      Math.max(1, Math.round(hit.ttlMs * 1000)),
      hit.limit,
      Math.max(0, Math.round(hit.blockDurationMs * 1000)),
      Math.max(0, Math.floor(this.jitterMs())),
    ];
    let reply: unknown;
    try {
      const run = this.run(keys, args);
      reply = await (this.deadlineMs === undefined ? run : withDeadline(run, this.deadlineMs, 'throttler increment'));
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw toStoreError(error, 'throttler increment');
    }
    return parseThrottlerReply(reply);
  }

  /** EVALSHA, and EVAL only on NOSCRIPT (the one reply proving the script did not run). */
  private async run(keys: readonly string[], args: readonly number[]): Promise<unknown> {
    const { sha, source } = script();
    try {
      return await this.client.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (redisErrorCode(error) !== 'NOSCRIPT') throw error;
      return this.client.eval(source, keys.length, ...keys, ...args);
    }
  }
}

/** The script replies `{totalHits, timeToExpire, isBlocked (0|1), timeToBlockExpire}` as integers. */
export function parseThrottlerReply(reply: unknown): ThrottlerHits {
  if (Array.isArray(reply) && reply.length === 4) {
    const [totalHits, timeToExpire, blocked, timeToBlockExpire]: unknown[] = reply;
    if (typeof totalHits === 'number' && typeof timeToExpire === 'number' && (blocked === 0 || blocked === 1) && typeof timeToBlockExpire === 'number') {
      return { totalHits, timeToExpire, isBlocked: blocked === 1, timeToBlockExpire };
    }
  }
  throw new StoreUnavailableError(`throttler script returned an unexpected reply: ${JSON.stringify(reply)}`, { cause: reply });
}
