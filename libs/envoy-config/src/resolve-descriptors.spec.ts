import { envoyCounterIdentity, envoyResetSeconds, resolveEnvoyDescriptors, type EnvoyRuleTraits } from './resolve-descriptors';
import type { EnvoyMatch } from './rule-index';

const rule = (name: string | undefined, options: { replaces?: string[]; unlimited?: boolean } = {}): EnvoyMatch<EnvoyRuleTraits & { id: string }> => ({
  rule: { id: name ?? 'anonymous', name, replaces: options.replaces ?? [], unlimited: options.unlimited ?? false },
  sharedValues: undefined,
});

const kinds = (matches: (EnvoyMatch<EnvoyRuleTraits & { id: string }> | undefined)[]): string[] =>
  resolveEnvoyDescriptors(matches).map((r) => (r.kind === 'none' ? 'none' : `${r.kind}:${r.match.rule.id}`));

describe('resolveEnvoyDescriptors', () => {
  it('keeps every rule when nothing replaces', () => {
    expect(kinds([rule('a'), undefined, rule(undefined), rule('b', { unlimited: true })])).toEqual(['limited:a', 'none', 'limited:anonymous', 'unlimited:b']);
  });

  it('drops a rule another descriptor of the request replaces (README Example 7)', () => {
    const specific = rule('specific_limit');
    const replacing = rule(undefined, { replaces: ['specific_limit'] });
    expect(kinds([specific, replacing])).toEqual(['none', 'limited:anonymous']);
    expect(kinds([replacing, specific])).toEqual(['limited:anonymous', 'none']);
    // Alone, the replaced rule applies.
    expect(kinds([specific])).toEqual(['limited:specific_limit']);
  });

  it('lets unlimited rules replace, and keeps a replaced unlimited rule unlimited', () => {
    expect(kinds([rule('a'), rule('u', { unlimited: true, replaces: ['a'] })])).toEqual(['none', 'unlimited:u']);
    expect(kinds([rule('u', { unlimited: true }), rule('b', { replaces: ['u'] })])).toEqual(['unlimited:u', 'limited:b']);
  });

  it('drops every rule of a replaced name, including another descriptor on the same rule', () => {
    expect(kinds([rule('a'), rule('a'), rule('c', { replaces: ['a'] })])).toEqual(['none', 'none', 'limited:c']);
  });
});

describe('envoyCounterIdentity', () => {
  it('joins the entries, shared patterns in place of values, escaping the separators', () => {
    expect(envoyCounterIdentity([{ key: 'a', value: '1' }, { key: 'b', value: 'x|y=z%' }], undefined)).toBe('a=1|b=x%7Cy%3Dz%25');
    expect(envoyCounterIdentity([{ key: 'path', value: '/files/a' }, { key: 'm', value: 'GET' }], ['/files/*', undefined])).toBe('path=/files/*|m=GET');
  });
});

describe('envoyResetSeconds', () => {
  it('counts whole seconds to the end of the unit-aligned window', () => {
    expect(envoyResetSeconds({ unitSeconds: 60, nowSeconds: 120 })).toBe(60);
    expect(envoyResetSeconds({ unitSeconds: 60, nowSeconds: 130.9 })).toBe(50);
    expect(envoyResetSeconds({ unitSeconds: 1, nowSeconds: 5.5 })).toBe(1);
    expect(envoyResetSeconds({ unitSeconds: 604_800, nowSeconds: 604_800 * 3 + 100 })).toBe(604_700);
  });
});
