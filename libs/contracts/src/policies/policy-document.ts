import type { CustomerAssignment } from './customer-assignment';
import type { Policy } from './policy';

/**
 * Everything an enforcer needs to resolve policies: the policies, the per-customer overrides (set by
 * `PUT /admin/limits`; each matches exactly one `customerId` and wins over every other policy) and
 * the customer-to-tier assignments. The shape of POLICY_FILE, in JSON or YAML.
 */
export interface PolicyDocument {
  readonly policies: readonly Policy[];
  readonly overrides: readonly Policy[];
  readonly customers: Readonly<Record<string, CustomerAssignment>>;
}
