import type { Policy } from '@rl/contracts';
import { canonicalPolicy } from '../policies/policy-row';

/** What importing a domain's file does to its policies. */
export interface EnvoyImportPlan {
  /** New descriptors, at the version they get (one past any history of a deleted policy with that id). */
  readonly created: readonly Policy[];
  /** Descriptors whose settings changed, at their new version. */
  readonly changed: readonly (Policy & { readonly previous: Policy })[];
  /** Current policies of descriptors the file no longer has. */
  readonly deleted: readonly Policy[];
  readonly unchanged: readonly Policy[];
  /** Every policy of the domain after the import, in file order. */
  readonly next: readonly Policy[];
}

function content(policy: Policy): string {
  return JSON.stringify(canonicalPolicy({ ...policy, version: 0 }));
}

/**
 * Compares a file's policies (`desired`, from envoyPolicies, version 1) with the domain's current
 * ones by id (a descriptor path): same content is unchanged, else changed (version + 1); ids only
 * in the file are created (after `latestVersions`, the history a deleted policy left); ids only in
 * the store are deleted.
 */
export function planEnvoyImport(input: { current: readonly Policy[]; desired: readonly Policy[]; latestVersions: ReadonlyMap<string, number> }): EnvoyImportPlan {
  const current = new Map(input.current.map((p) => [p.id, p]));
  const created: Policy[] = [];
  const changed: (Policy & { previous: Policy })[] = [];
  const unchanged: Policy[] = [];
  const next: Policy[] = [];
  for (const wanted of input.desired) {
    const head = current.get(wanted.id);
    let policy: Policy;
    if (head === undefined) {
      policy = { ...wanted, version: (input.latestVersions.get(wanted.id) ?? 0) + 1 };
      created.push(policy);
    } else if (content(head) === content(wanted)) {
      policy = head;
      unchanged.push(head);
    } else {
      policy = { ...wanted, version: head.version + 1 };
      changed.push({ ...policy, previous: head });
    }
    next.push(policy);
  }
  const kept = new Set(input.desired.map((p) => p.id));
  const deleted = input.current.filter((p) => !kept.has(p.id));
  return { created, changed, deleted, unchanged, next };
}
