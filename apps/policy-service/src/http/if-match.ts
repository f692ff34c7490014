/**
 * A parsed `If-Match` header: `*` (any current version) or the versions the client has seen.
 * Versions are sent as entity tags (`"3"`, `W/"3"`) or bare (`3`); a list matches any of them.
 */
export type IfMatch = { readonly any: true } | { readonly any: false; readonly versions: readonly number[] };

const TAG = /^(?:W\/)?(?:"([1-9]\d{0,15})"|([1-9]\d{0,15}))$/;

/** `undefined` when the header is absent; `'invalid'` when it names something that is not a version. */
export function parseIfMatch(header: string | string[] | undefined): IfMatch | undefined | 'invalid' {
  if (header === undefined) return undefined;
  const text = (Array.isArray(header) ? header.join(',') : header).trim();
  if (text === '') return 'invalid';
  if (text === '*') return { any: true };
  const versions: number[] = [];
  for (const part of text.split(',')) {
    const match = TAG.exec(part.trim());
    const version = match === null ? NaN : Number(match[1] ?? match[2]);
    if (!Number.isSafeInteger(version)) return 'invalid';
    versions.push(version);
  }
  return { any: false, versions };
}

export function ifMatchAllows(ifMatch: IfMatch, version: number): boolean {
  return ifMatch.any || ifMatch.versions.includes(version);
}

/** How a version reads as an `ETag`. */
export function etagOf(version: number): string {
  return `"${version}"`;
}
