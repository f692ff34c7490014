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
    ['#/tiers', { page: 'tiers' }],
    ['#/api-keys', { page: 'api-keys' }],
    ['#/audit', { page: 'audit', filters: {} }],
    ['#/audit?entity=tier&entityId=gold&actor=ci%20deploy&since=2026-11-30T00%3A00%3A00.000Z', { page: 'audit', filters: { entity: 'tier', entityId: 'gold', actor: 'ci deploy', since: '2026-11-30T00:00:00.000Z' } }],
    ['#/audit?entity=planet&entityId=', { page: 'audit', filters: {} }],
    ['#/global', { page: 'global', policyId: undefined, key: undefined }],
    ['#/global?policyId=world&key=user%3A42', { page: 'global', policyId: 'world', key: 'user:42' }],
    ['#/inspector', { page: 'inspector', caller: {} }],
    ['#/inspector?key=user%3A42&customerId=acme&route=%2Fv1%2Fsearch&method=GET', { page: 'inspector', caller: { key: 'user:42', customerId: 'acme', route: '/v1/search', method: 'GET' } }],
    ['#/inspector?key=user%3A42&policyId=in-flight', { page: 'inspector', caller: { key: 'user:42' }, policyId: 'in-flight' }],
    ['#/nope/x', { page: 'not-found', hash: '#/nope/x' }],
  ])('%s', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });

  it('round-trips through routeHref, encoding what needs it', () => {
    for (const route of [
      { page: 'policy', id: 'a b/c' },
      { page: 'global', policyId: 'world', key: 'user:42&x' },
      { page: 'inspector', caller: { key: 'user:42&x', customerId: 'acme co', route: '/v1/items/*', method: 'POST' } },
      { page: 'inspector', caller: { key: 'user:7', customerId: 'acme' }, policyId: 'in-flight' },
      { page: 'audit', filters: { entity: 'override', entityId: 'acme & co', until: '2026-12-01T00:00:00.000Z' } },
    ] as Route[]) {
      expect(parseRoute(routeHref(route))).toEqual(route);
    }
    expect(routeHref({ page: 'global' })).toBe('#/global');
    expect(routeHref({ page: 'audit', filters: {} })).toBe('#/audit');
  });
});
