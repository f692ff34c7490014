/** One field of a policy, compared between two versions. */
export interface FieldDiff {
  /** Dotted path: `limit`, `match.customerTier`. */
  readonly path: string;
  readonly before: string | undefined;
  readonly after: string | undefined;
  readonly change: 'added' | 'removed' | 'changed' | 'same';
}

/** Fields that differ between every two versions by construction; not worth showing as changes. */
const IGNORED = new Set(['version']);

/**
 * A field-by-field diff of two JSON objects (policy versions), nested objects flattened to dotted
 * paths, in reading order. Values are compared as JSON (so 5 and "5" differ) and shown as text,
 * strings without quotes; `undefined` means absent.
 */
export function diffObjects(before: unknown, after: unknown): FieldDiff[] {
  const a = flatten(before);
  const b = flatten(after);
  const paths = [...new Set([...a.keys(), ...b.keys()])].filter((p) => !IGNORED.has(p)).sort(comparePaths);
  return paths.map((path) => {
    const x = a.get(path);
    const y = b.get(path);
    const change = x === undefined ? 'added' : y === undefined ? 'removed' : x.identity === y.identity ? 'same' : 'changed';
    return { path, before: x?.shown, after: y?.shown, change };
  });
}

/** Top-level fields first, in the order an operator reads a policy; nested paths after their parent. */
const ORDER = ['id', 'match', 'algorithm', 'limit', 'windowSeconds', 'burst', 'scope', 'failureMode', 'mode'];

function comparePaths(p: string, q: string): number {
  const rank = (path: string): number => {
    const i = ORDER.indexOf(path.split('.')[0]);
    return i === -1 ? ORDER.length : i;
  };
  return rank(p) - rank(q) || p.localeCompare(q);
}

interface Leaf {
  readonly shown: string;
  readonly identity: string;
}

function flatten(value: unknown, prefix = '', out = new Map<string, Leaf>()): Map<string, Leaf> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) flatten(child, prefix === '' ? key : `${prefix}.${key}`, out);
  } else if (value !== undefined && prefix !== '') {
    const identity = JSON.stringify(value);
    out.set(prefix, { shown: typeof value === 'string' ? value : identity, identity });
  }
  return out;
}
