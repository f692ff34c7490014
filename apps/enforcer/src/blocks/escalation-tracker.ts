/**
 * Automatic escalation, the detection half: a key denied by `threshold` distinct policies or
 * routes within `windowMs` escalates. Per key it keeps the last denial time of each distinct
 * reason, so memory is bounded by `maxKeys` x `threshold` entries: the least recently denied key
 * is forgotten first. A key that escalates is forgotten too, so it escalates again only after
 * `threshold` fresh distinct denials.
 *
 * Trade-off: it sees one instance's denials only; a caller spread across instances escalates
 * later (never sooner) than the threshold says.
 */
export class EscalationTracker {
  private readonly keys = new Map<string, Map<string, number>>();

  constructor(private readonly options: { threshold: number; windowMs: number; maxKeys: number }) {}

  /** Records one denial of `key` for `reason`; true when this denial makes the key escalate. */
  recordDenial(input: { key: string; reason: string; nowMs: number }): boolean {
    const { threshold, windowMs, maxKeys } = this.options;
    let reasons = this.keys.get(input.key);
    if (reasons === undefined) {
      reasons = new Map();
      if (this.keys.size >= maxKeys) {
        const oldest = this.keys.keys().next();
        if (oldest.done !== true) this.keys.delete(oldest.value);
      }
    } else {
      // Re-inserted below, so the map stays ordered by last denial.
      this.keys.delete(input.key);
      for (const [reason, at] of reasons) if (input.nowMs - at >= windowMs) reasons.delete(reason);
    }
    reasons.delete(input.reason);
    reasons.set(input.reason, input.nowMs);
    if (reasons.size >= threshold) return true;
    this.keys.set(input.key, reasons);
    return false;
  }

  get trackedKeys(): number {
    return this.keys.size;
  }
}
