/**
 * A descriptor value pattern of envoyproxy/ratelimit, split at its `*`s once when the rules are
 * loaded. Each `*` matches zero or more characters, anywhere in the value (trailing, in the middle,
 * several times). It is matched, as there, against `<key>_<value>`.
 */
export type WildcardParts = readonly string[];

export function wildcardParts(pattern: string): WildcardParts {
  return pattern.split('*');
}

/** Whether `text` matches: starts with the first part, ends with the last, holds the others in order between them. */
export function wildcardMatch(parts: WildcardParts, text: string): boolean {
  if (parts.length === 1) return parts[0] === text;
  const first = parts[0];
  const last = parts[parts.length - 1];
  let fixed = 0;
  for (const part of parts) fixed += part.length;
  if (text.length < fixed || !text.startsWith(first) || !text.endsWith(last)) return false;
  const end = text.length - last.length;
  let from = first.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i];
    const found = text.indexOf(part, from);
    if (found < 0 || found + part.length > end) return false;
    from = found + part.length;
  }
  return true;
}
