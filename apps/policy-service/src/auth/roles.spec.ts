import { API_KEY_ROLES, type ApiKeyRole } from '@rl/contracts';
import { isApiKeyRole, roleSatisfies } from './roles';

describe('roleSatisfies', () => {
  // rows: the key's role; columns: the role a route needs (viewer, editor, admin)
  const matrix: Record<ApiKeyRole, [boolean, boolean, boolean]> = {
    viewer: [true, false, false],
    editor: [true, true, false],
    admin: [true, true, true],
  };

  it.each(API_KEY_ROLES.flatMap((held) => API_KEY_ROLES.map((required, i) => [held, required, matrix[held][i]] as const)))(
    'a %s key on a route needing %s: %s',
    (held, required, allowed) => {
      expect(roleSatisfies(held, required)).toBe(allowed);
    },
  );

  it('knows exactly the three roles', () => {
    expect(API_KEY_ROLES.filter(isApiKeyRole)).toEqual(['viewer', 'editor', 'admin']);
    for (const value of ['root', 'Admin', '', undefined, 1]) expect(isApiKeyRole(value)).toBe(false);
  });
});
