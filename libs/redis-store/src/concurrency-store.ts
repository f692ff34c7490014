import type { LeaseView, RawDecision } from '@rl/limiter-core';
import { StoreUnavailableError } from './errors';
import { ScriptSet, type ScriptSetOptions } from './script-set';

/** One lease to take: the key of its concurrency limit (buildConcurrencyKey), the limit, and the new lease. */
export interface LeaseToAcquire {
  readonly key: string;
  readonly limit: number;
  readonly leaseUs: number;
  readonly leaseId: string;
}

export type RedisConcurrencyStoreOptions = ScriptSetOptions;

/**
 * Concurrency limits (lua/concurrency/*.lua): one sorted set of leases per key, trimmed of expired
 * leases by the script. Each call touches one key, so it runs on a Cluster as is. Failures reject
 * with a StoreError; nothing is retried (an acquire that timed out may hold a lease: it expires).
 */
export class RedisConcurrencyStore {
  private readonly scripts: ScriptSet<'acquire' | 'release' | 'peek'>;

  constructor(options: RedisConcurrencyStoreOptions) {
    this.scripts = new ScriptSet(options, {
      acquire: ['lib/common.lua', 'concurrency/acquire.lua'],
      release: ['lib/common.lua', 'concurrency/release.lua'],
      peek: ['lib/common.lua', 'concurrency/peek.lua'],
    });
  }

  /** Takes a lease when fewer than `limit` are held (see acquire.lua). */
  async acquire(lease: LeaseToAcquire): Promise<RawDecision> {
    const args = [lease.limit, lease.leaseUs, lease.leaseId, this.scripts.jitter()];
    const reply = await this.scripts.run('acquire', { keys: [lease.key], args, context: 'acquire' });
    if (Array.isArray(reply) && reply.length === 4 && reply.every((n) => typeof n === 'number' && n >= 0) && (reply[0] === 0 || reply[0] === 1)) {
      const [allowed, remaining, resetUs, retryAfterUs] = reply as number[];
      return { allowed: allowed === 1, remaining, resetUs, retryAfterUs };
    }
    throw new StoreUnavailableError(`acquire script replied ${JSON.stringify(reply)}`, { cause: reply });
  }

  /** Releases a lease: true when it was held and had not expired. */
  async release(input: { key: string; leaseId: string }): Promise<boolean> {
    const reply = await this.scripts.run('release', { keys: [input.key], args: [input.leaseId], context: 'release' });
    if (reply === 0 || reply === 1) return reply === 1;
    throw new StoreUnavailableError(`release script replied ${JSON.stringify(reply)}`, { cause: reply });
  }

  /** The leases of `key` held now, without changing them (see peek.lua). */
  async peek(input: { key: string }): Promise<LeaseView> {
    const reply = await this.scripts.run('peek', { keys: [input.key], args: [], context: 'peek leases' });
    if (Array.isArray(reply) && reply.length === 3 && reply.every((n) => typeof n === 'number' && n >= 0)) {
      const [inFlight, nextExpiryUs, resetUs] = reply as number[];
      return { inFlight, nextExpiryUs, resetUs };
    }
    throw new StoreUnavailableError(`peek script replied ${JSON.stringify(reply)}`, { cause: reply });
  }

  /** SCRIPT LOAD of every concurrency script into every master. */
  load(): Promise<void> {
    return this.scripts.load('SCRIPT LOAD (concurrency)');
  }
}
