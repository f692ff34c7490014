import { clampRemaining } from '../numeric';
import type { RawDecision } from '../types';

/** The leases held on one concurrency key: lease id -> expiry, integer microseconds. */
export type LeaseSet = ReadonlyMap<string, number>;

export interface AcquireInput {
  readonly leases: LeaseSet | undefined;
  /** Leases held at once at most. */
  readonly limit: number;
  /** How long a lease lives unless released, microseconds. */
  readonly leaseUs: number;
  readonly leaseId: string;
  /** Integer microseconds. */
  readonly now: number;
}

export interface AcquireResult {
  /** `remaining`: leases still free after this one; `resetUs`: until every lease held has expired. */
  readonly decision: RawDecision;
  /** The leases to store (expired ones trimmed), or undefined to leave them as they are. */
  readonly next: LeaseSet | undefined;
  readonly ttlUs: number;
}

/**
 * Concurrency limit: at most `limit` requests in flight per key. Twin of
 * libs/redis-store/src/lua/concurrency/acquire.lua (a sorted set by expiry, trimmed in the script).
 *
 * Each admitted request holds a lease until it is released or `leaseUs` has passed, so a caller
 * that crashed (and never releases) frees its slot by itself. Leases expiring at or before `now`
 * no longer count. A denial waits for the earliest expiry (`retryAfterUs`): a slot may free
 * earlier, by a release, but never later. Trade-offs: the lease must outlast the slowest request,
 * or a request still running stops counting; a long lease keeps a crashed caller's slot that long.
 * Limit changes apply at once: a lowering below the leases held denies until enough are gone.
 */
export function acquireStep({ leases, limit, leaseUs, leaseId, now }: AcquireInput): AcquireResult {
  const held = new Map<string, number>();
  if (leases !== undefined) for (const [id, expiry] of leases) if (expiry > now) held.set(id, expiry);
  const allowed = held.size < limit;
  if (allowed) held.set(leaseId, now + leaseUs);
  let last = 0;
  let first = Infinity;
  for (const expiry of held.values()) {
    if (expiry > last) last = expiry;
    if (expiry < first) first = expiry;
  }
  const resetUs = held.size === 0 ? 0 : last - now;
  return {
    decision: { allowed, remaining: clampRemaining(limit - held.size, limit), resetUs, retryAfterUs: allowed ? 0 : first - now },
    next: allowed ? held : undefined,
    ttlUs: resetUs,
  };
}

/**
 * Releases `leaseId`: true when it was held and had not expired; false (nothing to release) when
 * it is unknown or expired. Twin of lua/concurrency/release.lua.
 */
export function releaseStep({ leases, leaseId, now }: { leases: LeaseSet | undefined; leaseId: string; now: number }): { released: boolean; next: LeaseSet | undefined } {
  const expiry = leases?.get(leaseId);
  if (leases === undefined || expiry === undefined) return { released: false, next: undefined };
  const next = new Map(leases);
  next.delete(leaseId);
  return { released: expiry > now, next };
}

/** The leases of one concurrency key as an operator sees them; times are microseconds from now. */
export interface LeaseView {
  /** Leases held now (not expired). */
  readonly inFlight: number;
  /** Until the earliest held lease expires, when a slot frees at the latest; 0 with none held. */
  readonly nextExpiryUs: number;
  /** Until every held lease has expired; 0 with none held. */
  readonly resetUs: number;
}

/**
 * Reads the leases of a key without changing them (the caller inspector). Leases expiring at or
 * before `now` no longer count, as in acquireStep. Twin of lua/concurrency/peek.lua.
 */
export function peekLeases({ leases, now }: { leases: LeaseSet | undefined; now: number }): LeaseView {
  let inFlight = 0;
  let first = Infinity;
  let last = 0;
  if (leases !== undefined) {
    for (const expiry of leases.values()) {
      if (expiry <= now) continue;
      inFlight += 1;
      if (expiry < first) first = expiry;
      if (expiry > last) last = expiry;
    }
  }
  return inFlight === 0 ? { inFlight: 0, nextExpiryUs: 0, resetUs: 0 } : { inFlight, nextExpiryUs: first - now, resetUs: last - now };
}
