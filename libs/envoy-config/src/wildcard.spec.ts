import fc from 'fast-check';
import { wildcardMatch, wildcardParts } from './wildcard';

/** The meaning of a pattern, stated independently: `*` is `.*`, everything else literal, whole string. */
function asRegExp(pattern: string): RegExp {
  const literal = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${pattern.split('*').map(literal).join('.*')}$`, 's');
}

describe('wildcardMatch', () => {
  it.each<[string, string, boolean]>([
    ['path_/files/*', 'path_/files/a.pdf', true],
    ['path_/files/*', 'path_/files/', true],
    ['path_/files/*', 'path_/file', false],
    ['k_/api/*/action', 'k_/api/123/action', true],
    ['k_/api/*/action', 'k_/api/123/other', false],
    ['k_a*a', 'k_a', false],
    ['k_a*a', 'k_aa', true],
    ['k_*', 'k_', true],
    ['k_exact', 'k_exact', true],
  ])('%s ~ %s is %s', (pattern, text, expected) => {
    expect(wildcardMatch(wildcardParts(pattern), text)).toBe(expected);
  });

  it('agrees with the pattern read as a regular expression', () => {
    const alphabet = fc.constantFrom('a', 'b', '/', '_', '*');
    const text = fc.constantFrom('a', 'b', '/', '_');
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 8 }), fc.string({ unit: text, maxLength: 10 }), (pattern, value) => {
        expect(wildcardMatch(wildcardParts(pattern), value)).toBe(asRegExp(pattern).test(value));
      }),
      { numRuns: 5_000 },
    );
  });
});
