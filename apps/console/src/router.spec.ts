import { parseRoute, routeHref, type Route } from './router';

describe('hash routes', () => {
  it.each<[string, Route]>([
    ['', { page: 'policies' }],
    ['#/', { page: 'policies' }],
    ['#/policies', { page: 'policies' }],
    ['#/policies/new', { page: 'policy-new' }],
    ['#/policies/free-tier', { page: 'policy', id: 'free-tier' }],
    ['#/customers', { page: 'customers' }],
    ['#/blocks', { page: 'blocks' }],
    ['#/analytics', { page: 'analytics' }],
    ['#/global', { page: 'global', policyId: undefined, key: undefined }],
    ['#/global?policyId=world&key=user%3A42', { page: 'global', policyId: 'world', key: 'user:42' }],
    ['#/nope/x', { page: 'not-found', hash: '#/nope/x' }],
  ])('%s', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });

  it('round-trips through routeHref, encoding what needs it', () => {
    for (const route of [{ page: 'policy', id: 'a b/c' }, { page: 'global', policyId: 'world', key: 'user:42&x' }] as Route[]) {
      expect(parseRoute(routeHref(route))).toEqual(route);
    }
    expect(routeHref({ page: 'global' })).toBe('#/global');
  });
});
