import type { EnvoyMatch, EnvoyRequestEntry } from './rule-index';

/** What request-level resolution reads of a rule. */
export interface EnvoyRuleTraits {
  readonly unlimited: boolean;
  readonly name: string | undefined;
  readonly replaces: readonly string[];
}

/**
 * What one descriptor of a request gets:
 * - `none`: no rule applies (no match, a whitelist, or a rule another descriptor's rule replaces):
 *   OK, not counted, no current limit;
 * - `unlimited`: OK with limit_remaining 2^32 - 1, not counted;
 * - `limited`: counted against the matched rule.
 */
export type EnvoyResolution<T> = { readonly kind: 'none' } | { readonly kind: 'unlimited'; readonly match: EnvoyMatch<T> } | { readonly kind: 'limited'; readonly match: EnvoyMatch<T> };

const NONE = { kind: 'none' } as const;

/**
 * Resolves the matches of all descriptors of one request together, as envoyproxy/ratelimit does:
 * every matched rule's `replaces` (unlimited ones included) is collected first; then an unlimited
 * rule stays unlimited, and a counted rule whose `name` is replaced by any matched rule of the
 * request is dropped: its counter is neither checked nor changed.
 */
export function resolveEnvoyDescriptors<T extends EnvoyRuleTraits>(matches: readonly (EnvoyMatch<T> | undefined)[]): EnvoyResolution<T>[] {
  let replaced: Set<string> | undefined;
  for (const match of matches) {
    if (match === undefined || match.rule.replaces.length === 0) continue;
    replaced ??= new Set();
    for (const name of match.rule.replaces) replaced.add(name);
  }
  return matches.map((match): EnvoyResolution<T> => {
    if (match === undefined) return NONE;
    if (match.rule.unlimited) return { kind: 'unlimited', match };
    const name = match.rule.name;
    if (replaced !== undefined && name !== undefined && replaced.has(name)) return NONE;
    return { kind: 'limited', match };
  });
}

const KEY_SEPARATORS = /[%|=]/g;

function escapePart(text: string): string {
  return text.replace(KEY_SEPARATORS, (c) => (c === '%' ? '%25' : c === '|' ? '%7C' : '%3D'));
}

/**
 * The identity a limited descriptor is counted by: its entries in order, `key=value|key=value`,
 * with a shared wildcard pattern in place of the value where share_threshold applies (`%`, `|` and
 * `=` percent-encoded, so distinct descriptors never share an identity). Like envoyproxy/ratelimit's
 * cache key without its prefix and window: two descriptors with the same entries share a counter.
 */
export function envoyCounterIdentity(entries: readonly EnvoyRequestEntry[], sharedValues: readonly (string | undefined)[] | undefined): string {
  const parts: string[] = [];
  for (let i = 0; i < entries.length; i++) {
    parts.push(`${escapePart(entries[i].key)}=${escapePart(sharedValues?.[i] ?? entries[i].value)}`);
  }
  return parts.join('|');
}

/**
 * `duration_until_reset` as envoyproxy/ratelimit computes it: whole seconds to the end of the
 * unit-aligned window holding `nowSeconds` (1 to the unit's length).
 */
export function envoyResetSeconds(input: { unitSeconds: number; nowSeconds: number }): number {
  const now = Math.floor(input.nowSeconds);
  return input.unitSeconds - (now % input.unitSeconds);
}
