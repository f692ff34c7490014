import type { Role } from './types';

const RANK: Readonly<Record<Role, number>> = { viewer: 0, editor: 1, admin: 2 };

/** True when a key with role `held` may do what needs `required` (roles include the ones below them, as in the API). */
export function roleAllows(held: Role, required: Role): boolean {
  return RANK[held] >= RANK[required];
}
