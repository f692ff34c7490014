import { createHash } from 'node:crypto';

/**
 * The policy id of a customer's override: `override-<slug of the customer id>-<8 hex of its
 * SHA-256>`. Deterministic (the same customer always gets the same id), a valid policy slug for
 * any customer id, and distinct for customer ids that slug alike ("Acme" and "acme").
 */
export function overridePolicyId(customerId: string): string {
  const slug = customerId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 40)
    .replace(/^-+|-+$/g, '');
  const hash = createHash('sha256').update(customerId, 'utf8').digest('hex').slice(0, 8);
  return slug === '' ? `override-${hash}` : `override-${slug}-${hash}`;
}
