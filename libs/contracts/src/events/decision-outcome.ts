/**
 * What one decision event reports. The same seven values as the enforcer's `rl_decisions_total`
 * result label: `shadow_denied` is a request a shadow-mode policy would have denied (it was
 * admitted); `degraded_*` were decided without the regional store (failure mode); `blocked` was
 * answered from the block list without consulting any policy.
 */
export const DECISION_OUTCOMES = [
  'allowed',
  'denied',
  'shadow_denied',
  'degraded_allowed',
  'degraded_denied',
  'degraded_shadow_denied',
  'blocked',
] as const;

export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];
