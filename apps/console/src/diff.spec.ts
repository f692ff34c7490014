import { diffObjects } from './diff';

const v1 = { id: 'search', match: { customerTier: 'free', route: '/v1/search' }, algorithm: 'token_bucket', limit: 100, windowSeconds: 60, burst: 100, scope: 'regional', version: 1 };

describe('diffObjects', () => {
  it('reports changed, added and removed fields by dotted path, in reading order, ignoring the version', () => {
    const v2 = { ...v1, match: { customerTier: 'free', method: 'GET' }, limit: 50, mode: 'shadow', version: 2 };
    const diff = diffObjects(v1, v2);
    expect(diff.filter((d) => d.change !== 'same')).toEqual([
      { path: 'match.method', before: undefined, after: 'GET', change: 'added' },
      { path: 'match.route', before: '/v1/search', after: undefined, change: 'removed' },
      { path: 'limit', before: '100', after: '50', change: 'changed' },
      { path: 'mode', before: undefined, after: 'shadow', change: 'added' },
    ]);
    expect(diff.map((d) => d.path)).toEqual(['id', 'match.customerTier', 'match.method', 'match.route', 'algorithm', 'limit', 'windowSeconds', 'burst', 'scope', 'mode']);
    expect(diff.find((d) => d.path === 'version')).toBeUndefined();
  });

  it('finds nothing between equal versions and treats a missing side as all added', () => {
    expect(diffObjects(v1, { ...v1, version: 9 }).every((d) => d.change === 'same')).toBe(true);
    expect(diffObjects(undefined, { limit: 5 })).toEqual([{ path: 'limit', before: undefined, after: '5', change: 'added' }]);
  });

  it('tells the number 5 from the string "5"', () => {
    expect(diffObjects({ limit: 5 }, { limit: '5' })).toEqual([{ path: 'limit', before: '5', after: '5', change: 'changed' }]);
    expect(diffObjects({ a: [1, 2] }, { a: [1, 3] })).toEqual([{ path: 'a', before: '[1,2]', after: '[1,3]', change: 'changed' }]);
  });
});
