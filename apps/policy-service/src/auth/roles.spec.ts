import { API_KEY_ROLES, type ApiKeyRole } from '@rl/contracts';
import { isApiKeyRole, roleAllowed, roleSatisfies } from './roles';

describe('roleSatisfies', () => {
  // rows: the key's role; columns: the role a route names (viewer, editor, admin, enforcer)
  const matrix: Record<ApiKeyRole, [boolean, boolean, boolean, boolean]> = {
    viewer: [true, false, false, false],
    editor: [true, true, false, false],
    admin: [true, true, true, false],
    enforcer: [false, false, false, true],
  };

  it.each(API_KEY_ROLES.flatMap((held) => API_KEY_ROLES.map((required, i) => [held, required, matrix[held][i]] as const)))(
    'a %s key on a route naming %s: %s',
    (held, required, allowed) => {
      expect(roleSatisfies(held, required)).toBe(allowed);
    },
  );

  it('admits a key when any named role admits it', () => {
    expect(roleAllowed('enforcer', ['viewer', 'enforcer'])).toBe(true);
    expect(roleAllowed('admin', ['viewer', 'enforcer'])).toBe(true);
    expect(roleAllowed('enforcer', ['editor'])).toBe(false);
    expect(roleAllowed('viewer', ['editor', 'enforcer'])).toBe(false);
  });

  it('knows exactly the four roles', () => {
    expect(API_KEY_ROLES.filter(isApiKeyRole)).toEqual(['viewer', 'editor', 'admin', 'enforcer']);
    for (const value of ['root', 'Admin', '', undefined, 1]) expect(isApiKeyRole(value)).toBe(false);
  });
});
