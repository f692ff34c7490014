import type { CheckResponse, DecisionOutcome } from '@rl/contracts';

/**
 * The outcome of a decision as its reply shows it, with the same meaning as the enforcer's
 * `rl_decisions_total` result label: blocked first; a shadow policy's would-be denial is
 * `shadow_denied`; any reply not decided by the regional store is `degraded_*`.
 */
export function classifyDecision(response: CheckResponse): DecisionOutcome {
  if (response.blocked === true) return 'blocked';
  const outcome = !response.allowed ? 'denied' : response.shadow === true && response.wouldDeny === true ? 'shadow_denied' : 'allowed';
  if (response.degraded !== true) return outcome;
  return outcome === 'allowed' ? 'degraded_allowed' : outcome === 'denied' ? 'degraded_denied' : 'degraded_shadow_denied';
}

/** Allowed decisions are sampled; every other outcome is a denial (published up to the rate cap). */
export function isAllowedOutcome(outcome: DecisionOutcome): boolean {
  return outcome === 'allowed' || outcome === 'degraded_allowed';
}
