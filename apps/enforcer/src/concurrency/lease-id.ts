import { decodeKey, encodeKey, randomNonce, SequentialIds } from '../check/id-parts';

/** Keys of concurrency leases as buildConcurrencyKey makes them. */
const LEASE_KEY = /^rl:\{[^{}]+\}:cc$/;

/** A lease id parsed back: the lease held in the regional store, or an admission that holds nothing. */
export type ParsedLeaseId = { readonly held: true; readonly key: string; readonly leaseId: string } | { readonly held: false };

/**
 * Lease ids (LEASE_ID_PATTERN in @rl/contracts):
 * - `l1.<nonce>.<key>`: a lease held in the sorted set at `key` (base64url), as member `<nonce>`;
 * - `u1.<instance>.<sequence>`: an admission that holds nothing (no concurrency policy matched, or
 *   the store was down and the policy fails open); releasing it succeeds and changes nothing.
 */
export class LeaseIds {
  private readonly unheld = new SequentialIds('u1');

  unheldLease(): string {
    return this.unheld.next();
  }

  /** A new lease on `key`: its id, and its member in the sorted set. */
  static create(key: string): { id: string; member: string } {
    const member = randomNonce();
    return { id: `l1.${member}.${encodeKey(key)}`, member };
  }

  /** Parses an id that matched LEASE_ID_PATTERN; undefined when its key part is not a lease key. */
  static parse(id: string): ParsedLeaseId | undefined {
    if (id.startsWith('u1.')) return { held: false };
    const [, member, encoded] = id.split('.');
    const key = decodeKey(encoded, LEASE_KEY);
    return key === undefined ? undefined : { held: true, key, leaseId: member };
  }
}
