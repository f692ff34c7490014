import { etagOf, ifMatchAllows, parseIfMatch } from './if-match';

describe('parseIfMatch', () => {
  it.each([
    ['3', [3]],
    ['"3"', [3]],
    ['W/"3"', [3]],
    [' "3" ', [3]],
    ['"3", "4"', [3, 4]],
  ])('reads %j as versions %j', (header, versions) => {
    expect(parseIfMatch(header)).toEqual({ any: false, versions });
  });

  it('reads * as any version and an absent header as undefined', () => {
    expect(parseIfMatch('*')).toEqual({ any: true });
    expect(parseIfMatch(undefined)).toBeUndefined();
  });

  it.each(['', '0', '-1', 'abc', '"3', '1.5', '"x"', '99999999999999999', '3,'])('rejects %j', (header) => {
    expect(parseIfMatch(header)).toBe('invalid');
  });

  it('matches versions and writes ETags', () => {
    expect(ifMatchAllows({ any: true }, 7)).toBe(true);
    expect(ifMatchAllows({ any: false, versions: [6, 7] }, 7)).toBe(true);
    expect(ifMatchAllows({ any: false, versions: [6] }, 7)).toBe(false);
    expect(etagOf(7)).toBe('"7"');
  });
});
