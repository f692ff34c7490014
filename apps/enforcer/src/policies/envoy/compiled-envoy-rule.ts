import { ENVOY_UNIT_SECONDS, type EnvoyUnit, type Policy } from '@rl/contracts';
import type { EnvoyRuleTraits } from '@rl/envoy-config';
import { compilePolicy, rateParameters, type CompiledPolicy } from '../compiled-policy';

/**
 * An imported envoy rule ready for the hot path: what request-level resolution reads (name,
 * replaces, unlimited) and, for a counted rule, the compiled policy a descriptor is decided by and
 * the `current_limit` it reports.
 */
export interface CompiledEnvoyRule extends EnvoyRuleTraits {
  /** Undefined for an unlimited rule, which is never counted. */
  readonly policy: CompiledPolicy | undefined;
  readonly unit: EnvoyUnit | undefined;
  readonly unitSeconds: number;
  readonly requestsPerUnit: number;
  /** `current_limit.name`: the rule's `name`, else empty, as envoyproxy/ratelimit reports it. */
  readonly limitName: string;
  readonly quotaMode: boolean;
  /**
   * Counted in fixed windows aligned to the unit (no extension algorithm): `duration_until_reset`
   * is then the time to the end of the unit, as envoyproxy/ratelimit computes it.
   */
  readonly alignedWindows: boolean;
}

/** The compiled rule of an imported policy; undefined for a descriptor without a rate limit. */
export function compileEnvoyRule(input: { policy: Policy; localPercent: number }): CompiledEnvoyRule | undefined {
  const { policy } = input;
  const envoy = policy.envoy;
  if (envoy === undefined || envoy.rateLimit === 'none') return undefined;
  const traits = { unlimited: envoy.rateLimit === 'unlimited', name: envoy.name, replaces: envoy.replaces, limitName: envoy.name ?? '', quotaMode: envoy.quotaMode };
  const unit = envoy.rateLimit === 'limited' ? envoy.unit : undefined;
  if (unit === undefined) return { ...traits, policy: undefined, unit: undefined, unitSeconds: 0, requestsPerUnit: 0, alignedWindows: false };
  return {
    ...traits,
    policy: compilePolicy({ parameters: rateParameters(policy), localPercent: input.localPercent }),
    unit,
    unitSeconds: ENVOY_UNIT_SECONDS[unit],
    requestsPerUnit: policy.limit,
    alignedWindows: policy.algorithm === 'fixed_window',
  };
}
