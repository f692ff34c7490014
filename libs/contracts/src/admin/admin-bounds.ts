import { CHECK_BOUNDS } from '../check/check-bounds';
import { ESCALATION_BOUNDS } from '../policies/escalation-settings';

/**
 * Bounds of the admin API's inputs. Stricter than what an enforcer accepts from a policy file
 * (windows start at one second here), so anything the API stores is also a valid policy document.
 */
export const ADMIN_BOUNDS = {
  limitMin: 1,
  limitMax: CHECK_BOUNDS.limitMax,
  burstMin: 1,
  burstMax: CHECK_BOUNDS.limitMax,
  /** 1 second. */
  windowSecondsMin: 1,
  /** 30 days. */
  windowSecondsMax: CHECK_BOUNDS.windowSecondsMax,
  apiKeyNameMaxLength: 64,
  auditPageMax: 500,
  tierDescriptionMaxLength: 500,
  auditFilterMaxLength: 256,
} as const;

/** The messages the admin API reports, shared by the DTOs and their tests. */
export const ADMIN_MESSAGES = {
  policyId: 'must be a slug of 1 to 64 characters from [a-z0-9-]',
  customerId: `must be a string of 1 to ${CHECK_BOUNDS.customerIdMaxLength} printable characters`,
  customerTier: 'must be a tier name of 1 to 64 characters from [A-Za-z0-9_.-]',
  route: `must be a route glob of 1 to ${CHECK_BOUNDS.routeMaxLength} printable characters`,
  method: 'must be an HTTP method name of 1 to 16 letters',
  limit: `must be an integer from ${ADMIN_BOUNDS.limitMin} to ${ADMIN_BOUNDS.limitMax}`,
  burst: `must be an integer from ${ADMIN_BOUNDS.burstMin} to ${ADMIN_BOUNDS.burstMax}`,
  windowSeconds: `must be a number of seconds from ${ADMIN_BOUNDS.windowSecondsMin} to ${ADMIN_BOUNDS.windowSecondsMax} (30 days)`,
  window: `must be a number of seconds from ${ADMIN_BOUNDS.windowSecondsMin} to ${ADMIN_BOUNDS.windowSecondsMax}, or a duration such as "30s", "1m", "1h" or "1d" within that range`,
  version: 'must be an integer from 1 to 9007199254740991',
  match: 'must be an object naming at least one of customerTier, customerId, route, method',
  matchExclusive: 'customerTier and customerId must not be combined',
  apiKeyName: `must be a name of 1 to ${ADMIN_BOUNDS.apiKeyNameMaxLength} printable characters`,
  auditLimit: `must be an integer from 1 to ${ADMIN_BOUNDS.auditPageMax}`,
  auditBefore: 'must be a positive integer audit entry id',
  escalationThreshold: `must be an integer from ${ESCALATION_BOUNDS.threshold.min} (off) to ${ESCALATION_BOUNDS.threshold.max}`,
  escalationWindowSeconds: `must be an integer number of seconds from ${ESCALATION_BOUNDS.windowSeconds.min} to ${ESCALATION_BOUNDS.windowSeconds.max}`,
  escalationBlockSeconds: `must be an integer number of seconds from ${ESCALATION_BOUNDS.blockSeconds.min} to ${ESCALATION_BOUNDS.blockSeconds.max}`,
  tierId: 'must be a tier name of 1 to 64 characters from [A-Za-z0-9_.-]',
  tierDescription: `must be at most ${ADMIN_BOUNDS.tierDescriptionMaxLength} printable characters`,
  auditTime: 'must be an ISO-8601 date-time',
  auditText: `must be 1 to ${ADMIN_BOUNDS.auditFilterMaxLength} printable characters`,
  oneOf: (values: readonly string[]): string => `must be one of ${values.join(', ')}`,
} as const;
