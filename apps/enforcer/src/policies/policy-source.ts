import type { Block, Policy } from '@rl/contracts';

/**
 * The policies an enforcer decides with: one consistent view, swapped atomically when anything
 * changes. Built from a policy file, or from the control plane's PolicySnapshot (@rl/contracts)
 * and the changes after it.
 */
export interface ActivePolicies {
  /** Identifies this content (a hash, or the control plane's version), for logs and /readyz. */
  readonly revision: string;
  readonly policies: readonly Policy[];
  /** Per-customer overrides, each matching exactly one customerId; they win over every policy. */
  readonly overrides: readonly Policy[];
  /** customerId -> tier. */
  readonly customerTiers: ReadonlyMap<string, string>;
  /** Operator and automatic blocks (control plane only); absent means none. */
  readonly blocks?: readonly Block[];
}

export type SnapshotListener = (snapshot: ActivePolicies) => void;

/** An operator reset one counter (`counter.reset`): the counted `key` under policy `policyId`. */
export interface CounterReset {
  readonly policyId: string;
  readonly key: string;
  readonly revision: number;
}

export type CounterResetListener = (reset: CounterReset) => void;

/**
 * Where the enforcer's policies come from: a file today, the control plane later. The resolver
 * reads `current()` once and then follows `subscribe`; it never polls.
 */
export abstract class PolicySource {
  /** The latest snapshot, or `undefined` until the first one has loaded (the enforcer is not ready then). */
  abstract current(): ActivePolicies | undefined;
  /** Calls `listener` with every later snapshot; returns the unsubscribe function. */
  abstract subscribe(listener: SnapshotListener): () => void;
  /** Why no snapshot is available, or `undefined` when one is. */
  abstract notReadyReason(): string | undefined;
  abstract close(): Promise<void>;
  /**
   * Calls `listener` with every counter reset applied from now on (only the control plane sends
   * them; other sources never call it); returns the unsubscribe function.
   */
  subscribeResets(listener: CounterResetListener): () => void {
    void listener;
    return () => undefined;
  }
}

/** Listener bookkeeping shared by the sources. */
export class Listeners<T> {
  private readonly listeners = new Set<(value: T) => void>();

  add(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(value: T): void {
    for (const listener of this.listeners) listener(value);
  }

  clear(): void {
    this.listeners.clear();
  }
}

/** The listeners of a source's snapshots. */
export class SnapshotListeners extends Listeners<ActivePolicies> {}
