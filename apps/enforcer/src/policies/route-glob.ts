/** A route pattern compiled once: `*` matches within one path segment, `**` across segments. */
export interface RouteGlob {
  readonly pattern: string;
  /** True when the pattern has no wildcard; such routes are looked up in a map instead. */
  readonly exact: boolean;
  /** Literal characters in the pattern: more means more specific, and wins. */
  readonly specificity: number;
  test(route: string): boolean;
}

const SPECIAL = /[.+?^${}()|[\]\\]/g;

export function compileRouteGlob(pattern: string): RouteGlob {
  if (!pattern.includes('*')) {
    return { pattern, exact: true, specificity: pattern.length, test: (route) => route === pattern };
  }
  let source = '';
  let literal = 0;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '*' && pattern[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (char === '*') {
      source += '[^/]*';
    } else {
      source += char.replace(SPECIAL, '\\$&');
      literal++;
    }
  }
  const regex = new RegExp(`^${source}$`, 's');
  return { pattern, exact: false, specificity: literal, test: (route) => regex.test(route) };
}
