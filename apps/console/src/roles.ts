import type { ApiKeyRole, Role } from './types';

/** An `enforcer` key may read the snapshot and create automatic blocks, nothing the console shows. */
const RANK: Readonly<Record<ApiKeyRole, number>> = { enforcer: -1, viewer: 0, editor: 1, admin: 2 };

/** True when a key with role `held` may do what needs `required` (roles include the ones below them, as in the API). */
export function roleAllows(held: ApiKeyRole, required: Role): boolean {
  return RANK[held] >= RANK[required];
}
