/** One denial, as an automatic block reports it. */
export interface Denial {
  readonly policyId: string;
  readonly atMs: number;
  readonly route?: string;
  readonly method?: string;
  readonly customerId?: string;
  /** For an inline limit: its parameters. */
  readonly limit?: number;
  readonly windowSeconds?: number;
}

/** Denials kept per key are forgotten after this long, whatever a rule's window (the largest allowed). */
const MAX_WINDOW_MS = 3_600_000;

/**
 * Automatic escalation, the detection half. Per key it keeps the last denial of each distinct
 * counter (a policy, or one inline limit), ordered by time. A denial escalates when, counting
 * it, `threshold` distinct counters denied the key within `windowMs` (the rule of the policy
 * that denied last); the answer is those denials, oldest first, and the key starts over.
 *
 * Memory is bounded: at most `maxKeys` keys (the least recently denied is forgotten first), each
 * with at most `maxCounters` denials (the oldest is forgotten first; a rule never needs more than
 * its threshold). A key's denials older than an hour are dropped as it is touched.
 *
 * Trade-off: it sees one instance's denials only; a caller spread across instances escalates
 * later (never sooner) than the threshold says.
 */
export class EscalationTracker {
  private readonly keys = new Map<string, Map<string, Denial>>();

  constructor(private readonly options: { maxKeys: number }) {}

  /**
   * Records `denial` of `key` by `counter`; returns the denials that make it escalate under
   * `rule` (threshold >= 1): every one within the rule's window, oldest first. Else `undefined`.
   */
  recordDenial(input: { key: string; counter: string; denial: Denial; rule: { threshold: number; windowMs: number }; maxCounters: number }): Denial[] | undefined {
    const { key, counter, denial, rule } = input;
    let counters = this.keys.get(key);
    if (counters === undefined) {
      counters = new Map();
      if (this.keys.size >= this.options.maxKeys) {
        const oldest = this.keys.keys().next();
        if (oldest.done !== true) this.keys.delete(oldest.value);
      }
    } else {
      // Re-inserted below, so the map stays ordered by last denial.
      this.keys.delete(key);
      for (const [name, seen] of counters) if (denial.atMs - seen.atMs >= MAX_WINDOW_MS) counters.delete(name);
    }
    counters.delete(counter);
    counters.set(counter, denial);
    const keep = Math.max(1, input.maxCounters);
    while (counters.size > keep) {
      const oldest = counters.keys().next();
      if (oldest.done === true) break;
      counters.delete(oldest.value);
    }
    let recent = 0;
    for (const seen of counters.values()) if (denial.atMs - seen.atMs < rule.windowMs) recent += 1;
    if (recent >= rule.threshold) return [...counters.values()].filter((d) => denial.atMs - d.atMs < rule.windowMs);
    this.keys.set(key, counters);
    return undefined;
  }

  get trackedKeys(): number {
    return this.keys.size;
  }
}
