/** What an audit entry is about (`entityType`), and what `GET /v1/audit?entity=` filters on. */
export const AUDIT_ENTITY_TYPES = ['policy', 'customer', 'override', 'tier', 'block', 'api_key', 'envoy_domain', 'counter'] as const;
export type AuditEntityType = (typeof AUDIT_ENTITY_TYPES)[number];
