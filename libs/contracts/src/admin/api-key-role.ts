/**
 * Roles of admin API keys, each including the ones before it: `viewer` reads, `editor` also changes
 * policies, customers and overrides, `admin` also manages API keys.
 */
export const API_KEY_ROLES = ['viewer', 'editor', 'admin'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];
