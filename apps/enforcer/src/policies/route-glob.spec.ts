import { compileRouteGlob } from './route-glob';

describe('compileRouteGlob', () => {
  it.each([
    ['/v1/search', '/v1/search', true],
    ['/v1/search', '/v1/search/', false],
    ['/v1/*', '/v1/search', true],
    ['/v1/*', '/v1/search/deep', false],
    ['/v1/**', '/v1/search/deep', true],
    ['/v1/**', '/v1/', true],
    ['/users/*/orders', '/users/42/orders', true],
    ['/users/*/orders', '/users/42/x/orders', false],
    ['/files/*.json', '/files/a.json', true],
    ['/files/*.json', '/files/ajson', false],
    ['/a+b(c)', '/a+b(c)', true],
    ['/a.c/*', '/abc/x', false],
  ])('%s against %s is %s', (pattern, route, expected) => {
    expect(compileRouteGlob(pattern).test(route)).toBe(expected);
  });

  it('scores specificity by literal characters', () => {
    expect(compileRouteGlob('/v1/search').exact).toBe(true);
    expect(compileRouteGlob('/v1/*').specificity).toBe(4);
    expect(compileRouteGlob('/v1/**').specificity).toBe(4);
    expect(compileRouteGlob('/v1/search/*').specificity).toBeGreaterThan(compileRouteGlob('/v1/*').specificity);
  });
});
