import type { AlgorithmName } from '../types';

/**
 * Which algorithms a hot key can be served from a lease for, exactly.
 *
 * A lease takes tokens from the shared counter in one atomic script and spends them locally. It
 * is exact (never admits more than the counter would, and unused units can be handed back without
 * distorting anyone else's decisions) when a unit taken now is worth the same as a unit admitted
 * now, whenever it is spent:
 * - `token_bucket`: tokens do not age; a leased token spent later is a token taken earlier, and a
 *   returned token is added back capped at `burst`, which is what the refill would have reached.
 * - `fixed_window`: units count against the window they were taken in; a lease is valid until that
 *   window ends, and unused units are given back only to that same window (after it, they are void).
 *
 * The others always go to Redis:
 * - `gcra` and `leaky_bucket` admit the same traffic as a token bucket, but their state is a time
 *   (TAT) or a level that drains: a unit taken early and returned late would shift later requests'
 *   retry times, so a return is not exact;
 * - `sliding_window` weighs units by when they were counted: units leased near a boundary move into
 *   the "previous" share and keep weighing after they are returned;
 * - `sliding_log` records each admission with its time; a lease would have to log units before
 *   they are spent, which moves the window they age out of.
 */
export function leasable(algorithm: AlgorithmName): boolean {
  return algorithm === 'token_bucket' || algorithm === 'fixed_window';
}

export interface LeaseSizeInput {
  /** The key's observed rate at this instance, units per second. */
  readonly ratePerSecond: number;
  /** How long a lease is meant to last, milliseconds. */
  readonly leaseMs: number;
  /** Units of the request that triggers the lease: a grant smaller than this is useless. */
  readonly cost: number;
  /** The counter's capacity: `burst` for token_bucket, `limit` for fixed_window. */
  readonly capacity: number;
  /** Largest share of the capacity one lease takes, in (0, 1]. */
  readonly maxShare: number;
  /** Upper bound on one lease, units. */
  readonly maxUnits: number;
}

/**
 * How many units to ask for: the expected demand over the lease's life, `rate × leaseMs`, rounded
 * up; at most `maxUnits` and at most `maxShare × capacity`, so one instance never drains a shared
 * counter in one step and the others keep a fair chance at it; never below the triggering
 * request's cost. The script grants less when the counter holds less (see leaseGrant).
 */
export function leaseSize(input: LeaseSizeInput): number {
  let size = Math.ceil((input.ratePerSecond * input.leaseMs) / 1000);
  if (size > input.maxUnits) size = input.maxUnits;
  const share = Math.floor(input.capacity * input.maxShare);
  if (size > share) size = share;
  return size < input.cost ? input.cost : size;
}

/**
 * The units one acquisition takes from `available`: `want`, or the whole units left when fewer but
 * still at least `cost`; 0 (deny) when `available` cannot cover `cost`. Mirrored by lease_grant in
 * libs/redis-store/src/lua/lib/lease.lua.
 */
export function leaseGrant(input: { available: number; want: number; cost: number }): number {
  const whole = Math.floor(input.available);
  if (whole < input.cost) return 0;
  return input.want > whole ? whole : input.want;
}
