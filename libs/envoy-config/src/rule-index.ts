import type { EnvoyDescriptorEntry } from '@rl/contracts';
import { wildcardMatch, wildcardParts, type WildcardParts } from './wildcard';

/** One descriptor of a domain's tree, as the index takes it. */
export interface EnvoyIndexedRule<T> {
  /** The path of entries from the top level down to this descriptor. */
  readonly descriptors: readonly EnvoyDescriptorEntry[];
  /** Position in the file (depth first): siblings' wildcard values are tried in this order. */
  readonly position: number;
  readonly shareThreshold: boolean;
  /** What a request stopping here gets; undefined when the descriptor has no `rate_limit`. */
  readonly rule: T | undefined;
}

/** A descriptor of a request: its entries in order. */
export interface EnvoyRequestEntry {
  readonly key: string;
  readonly value: string;
}

/** The rule a request descriptor reached, and what its counter is keyed by. */
export interface EnvoyMatch<T> {
  readonly rule: T;
  /**
   * Per request entry, the wildcard value its counter uses instead of the entry's own value (the
   * entry was matched by a wildcard with `share_threshold`), else undefined; undefined when no
   * entry was.
   */
  readonly sharedValues: readonly (string | undefined)[] | undefined;
}

interface Node<T> {
  /** `key`, or `key_value`: how envoyproxy/ratelimit names a descriptor within its level. */
  readonly composite: string;
  readonly children: Map<string, Node<T>>;
  /** Children whose composite holds a `*`, in file order. */
  readonly wildcards: { readonly parts: WildcardParts; readonly node: Node<T> }[];
  rule: T | undefined;
  shareThreshold: boolean;
}

function compositeOf(entry: EnvoyDescriptorEntry): string {
  return entry.value === undefined || entry.value === '' ? entry.key : `${entry.key}_${entry.value}`;
}

function newNode<T>(composite: string): Node<T> {
  return { composite, children: new Map(), wildcards: [], rule: undefined, shareThreshold: false };
}

/**
 * One domain's descriptor tree, built once per configuration and then only read, matching a request
 * descriptor exactly as envoyproxy/ratelimit does:
 *
 * - Entries are matched level by level down the tree; at each level, in order:
 *   1. the child named `key_value` (a key with this exact value);
 *   2. the first child, in file order, whose `*` pattern matches `key_value`;
 *   3. the child named `key` (a key-only default, matching any value).
 *   Nothing found: no rule.
 * - A rule applies only where the request's last entry lands: a descriptor with more entries than
 *   the tree is deep, or with fewer, gets none. A descriptor landing on a node without a
 *   `rate_limit` (a whitelist, or a mere parent) gets none either.
 * - An entry matched by a wildcard with `share_threshold` is counted under the pattern (`files/*`),
 *   so all such values share one counter; without it each value counts alone.
 */
export class EnvoyRuleIndex<T> {
  private constructor(private readonly root: Node<T>) {}

  static build<T>(rules: readonly EnvoyIndexedRule<T>[]): EnvoyRuleIndex<T> {
    const root = newNode<T>('');
    const placed = new Set<Node<T>>();
    for (const rule of [...rules].sort((a, b) => a.position - b.position)) {
      let level = root;
      for (const entry of rule.descriptors) {
        const composite = compositeOf(entry);
        let child = level.children.get(composite);
        if (child === undefined) {
          child = newNode(composite);
          level.children.set(composite, child);
          if (composite.includes('*')) level.wildcards.push({ parts: wildcardParts(composite), node: child });
        }
        level = child;
      }
      // The first rule of a path wins; a well-formed file has one per path.
      if (placed.has(level) || rule.descriptors.length === 0) continue;
      placed.add(level);
      level.rule = rule.rule;
      level.shareThreshold = rule.shareThreshold;
    }
    return new EnvoyRuleIndex(root);
  }

  match(entries: readonly EnvoyRequestEntry[]): EnvoyMatch<T> | undefined {
    let level = this.root;
    let sharedValues: (string | undefined)[] | undefined;
    const last = entries.length - 1;
    for (let i = 0; i <= last; i++) {
      const { key, value } = entries[i];
      const composite = `${key}_${value}`;
      let next = level.children.get(composite);
      let byWildcard = false;
      if (next === undefined) {
        for (const wildcard of level.wildcards) {
          if (wildcardMatch(wildcard.parts, composite)) {
            next = wildcard.node;
            byWildcard = true;
            break;
          }
        }
      }
      if (next === undefined) next = level.children.get(key);
      if (next === undefined) return undefined;
      if (byWildcard && next.shareThreshold) {
        sharedValues ??= new Array<string | undefined>(entries.length).fill(undefined);
        const prefix = `${key}_`;
        sharedValues[i] = next.composite.startsWith(prefix) ? next.composite.slice(prefix.length) : next.composite;
      }
      if (i === last) return next.rule === undefined ? undefined : { rule: next.rule, sharedValues };
      if (next.children.size === 0) return undefined;
      level = next;
    }
    return undefined;
  }
}
