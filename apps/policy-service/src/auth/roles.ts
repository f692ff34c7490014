import { API_KEY_ROLES, type ApiKeyRole } from '@rl/contracts';

/**
 * What a route needs: `public` (health, metrics, docs) or the least role that may call it. Roles
 * are ordered, each including the ones below: viewer < editor < admin.
 */
export type Access = 'public' | ApiKeyRole;

const RANK: Readonly<Record<ApiKeyRole, number>> = { viewer: 0, editor: 1, admin: 2 };

/** True when a key with role `held` may call a route that needs `required`. */
export function roleSatisfies(held: ApiKeyRole, required: ApiKeyRole): boolean {
  return RANK[held] >= RANK[required];
}

export function isApiKeyRole(value: unknown): value is ApiKeyRole {
  return typeof value === 'string' && (API_KEY_ROLES as readonly string[]).includes(value);
}
