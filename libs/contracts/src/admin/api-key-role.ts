/**
 * Roles of admin API keys. The operator roles are ordered, each including the ones before it:
 * `viewer` reads, `editor` also changes policies, customers, overrides and blocks, `admin` also
 * manages API keys. `enforcer` stands apart, for the enforcers' own key: it reads the policy
 * snapshot and creates automatic blocks, and nothing else (no operator route accepts it).
 */
export const API_KEY_ROLES = ['viewer', 'editor', 'admin', 'enforcer'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];
