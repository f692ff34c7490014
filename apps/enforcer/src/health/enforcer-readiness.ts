import type { ReadinessOptions } from '@rl/platform/service';
import type { StoreBackend } from '@rl/decision-pipeline';
import type { EnforcerConfig } from '../config/enforcer-config';
import type { EnvoyRules } from '../policies/envoy/envoy-rules';
import type { PolicySource } from '../policies/policy-source';

/**
 * Ready means: not shutting down, a policy snapshot is loaded, and the counter store answers a
 * PING (named after the store, `redis`). A refused reload of the envoy rate-limit files is a
 * warning, not a reason to be unready: the enforcer keeps the last good configuration. On shutdown
 * it turns not-ready first and holds for SHUTDOWN_DRAIN_MS.
 */
export function enforcerReadiness(store: StoreBackend, policies: PolicySource, envoyRules: EnvoyRules, config: EnforcerConfig): ReadinessOptions {
  return {
    checks: [
      { name: 'policies', problem: () => policies.notReadyReason() },
      { name: store.name, problem: () => store.ping().then(() => undefined) },
      { name: 'envoy-config', severity: 'warning', problem: () => envoyRules.problem() },
    ],
    shutdownDrainMs: config.shutdownDrainMs,
  };
}
