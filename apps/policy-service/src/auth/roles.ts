import { API_KEY_ROLES, type ApiKeyRole } from '@rl/contracts';

/**
 * What a route needs: `public` (health, metrics, docs), or the roles that may call it. Operator
 * roles are ordered, each including the ones below (viewer < editor < admin), so naming `viewer`
 * admits editors and admins too. The `enforcer` role stands outside that order: it satisfies only
 * a route that names it, and no operator role satisfies it.
 */
export type Access = 'public' | readonly ApiKeyRole[];

const OPERATOR_RANK: Readonly<Partial<Record<ApiKeyRole, number>>> = { viewer: 0, editor: 1, admin: 2 };

/** True when a key with role `held` may call a route that names `required`. */
export function roleSatisfies(held: ApiKeyRole, required: ApiKeyRole): boolean {
  const heldRank = OPERATOR_RANK[held];
  const requiredRank = OPERATOR_RANK[required];
  if (heldRank === undefined || requiredRank === undefined) return held === required;
  return heldRank >= requiredRank;
}

/** True when a key with role `held` may call a route whose access is `access` (not `public`). */
export function roleAllowed(held: ApiKeyRole, access: readonly ApiKeyRole[]): boolean {
  return access.some((required) => roleSatisfies(held, required));
}

export function isApiKeyRole(value: unknown): value is ApiKeyRole {
  return typeof value === 'string' && (API_KEY_ROLES as readonly string[]).includes(value);
}
