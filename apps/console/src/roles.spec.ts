import { roleAllows } from './roles';

describe('roleAllows', () => {
  it('orders viewer < editor < admin, as the API does', () => {
    expect(roleAllows('viewer', 'viewer')).toBe(true);
    expect(roleAllows('viewer', 'editor')).toBe(false);
    expect(roleAllows('editor', 'editor')).toBe(true);
    expect(roleAllows('editor', 'admin')).toBe(false);
    expect(roleAllows('admin', 'editor')).toBe(true);
  });
});
