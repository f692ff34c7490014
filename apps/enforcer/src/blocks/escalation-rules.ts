import type { CheckRequest, Policy } from '@rl/contracts';

/** When a policy's denials block a key: `threshold` distinct policies within `windowMs` (0: never), for `blockSeconds`. */
export interface EscalationRule {
  readonly threshold: number;
  readonly windowMs: number;
  readonly blockSeconds: number;
}

/**
 * Every policy's escalation rule, compiled once per snapshot: a policy's own `escalation` fields
 * over the enforcer's ESCALATION_* defaults. Inline limits, the default policy and ids not in the
 * snapshot take the defaults.
 */
export class EscalationRules {
  private constructor(
    private readonly byPolicy: ReadonlyMap<string, EscalationRule>,
    readonly defaults: EscalationRule,
    /** The highest threshold of any rule: how many distinct denials per key are worth keeping. */
    readonly maxThreshold: number,
  ) {}

  static compile(input: { policies: readonly Policy[]; defaults: EscalationRule }): EscalationRules {
    const { defaults } = input;
    const byPolicy = new Map<string, EscalationRule>();
    let maxThreshold = defaults.threshold;
    for (const policy of input.policies) {
      const own = policy.escalation;
      if (own === undefined) continue;
      const rule: EscalationRule = {
        threshold: own.threshold ?? defaults.threshold,
        windowMs: own.windowSeconds === undefined ? defaults.windowMs : own.windowSeconds * 1000,
        blockSeconds: own.blockSeconds ?? defaults.blockSeconds,
      };
      byPolicy.set(policy.id, rule);
      maxThreshold = Math.max(maxThreshold, rule.threshold);
    }
    return new EscalationRules(byPolicy, defaults, maxThreshold);
  }

  ruleOf(policyId: string): EscalationRule {
    return this.byPolicy.get(policyId) ?? this.defaults;
  }
}

/**
 * The counter a denial came from, which is what "distinct" counts: a stored policy is one
 * counter whatever routes it covers (its id); each inline limit is its own counter (the same
 * `inline:<limit>:<window>` the counter key uses), however many routes send it.
 */
export function counterOf(request: CheckRequest, policyId: string): string {
  return policyId === 'inline' && request.limit !== undefined && request.windowSeconds !== undefined ? `inline:${request.limit}:${request.windowSeconds}` : policyId;
}
