import { bearerToken, generateToken, hashToken } from './api-token';

describe('API tokens', () => {
  it('are 256-bit random and stored as SHA-256 hex', () => {
    const token = generateToken();
    expect(token).toMatch(/^rlk_[A-Za-z0-9_-]{43}$/);
    expect(generateToken()).not.toBe(token);
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['Bearer   rlk_x-y_z ', 'rlk_x-y_z'],
  ])('reads the token of %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it.each([undefined, '', 'Bearer', 'Bearer ', 'Basic YWJj', 'abc', 'Bearer a b', ['Bearer a', 'Bearer b']])('finds no token in %j', (header) => {
    expect(bearerToken(header)).toBeUndefined();
  });
});
