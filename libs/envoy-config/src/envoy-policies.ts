import { createHash } from 'node:crypto';
import { ENVOY_UNIT_SECONDS, type EnvoyDescriptorEntry, type EnvoyRule, type Policy } from '@rl/contracts';
import type { EnvoyDescriptorConfig, EnvoyDomainConfig } from './envoy-config';

/** Characters of a policy id: the domain's, folded into [a-z0-9-]. */
const NOT_SLUG = /[^a-z0-9]+/g;
const DOMAIN_SLUG_MAX = 40;

/**
 * The id of the policy a descriptor of `domain` becomes: `envoy-<domain slug>-<16 hex digits>`, the
 * digits from a SHA-256 of the domain and the descriptor path. It depends on nothing else, so
 * re-importing a file keeps the ids of the descriptors it still has (their policies get a new
 * version when their settings change) and every enforcer, whether fed by the policy service or by
 * ENVOY_RATELIMIT_CONFIG_DIR, names a rule the same way.
 */
export function envoyRuleId(domain: string, descriptors: readonly EnvoyDescriptorEntry[]): string {
  const slug = domain.toLowerCase().replace(NOT_SLUG, '-').replace(/^-+|-+$/g, '').slice(0, DOMAIN_SLUG_MAX).replace(/-+$/, '');
  const path = JSON.stringify([domain, descriptors.map((e) => (e.value === undefined ? [e.key] : [e.key, e.value]))]);
  const digest = createHash('sha256').update(path).digest('hex').slice(0, 16);
  return slug === '' ? `envoy-${digest}` : `envoy-${slug}-${digest}`;
}

/**
 * Every descriptor of a file as one policy (version 1), depth first in file order, so that
 * `envoy.position` keeps the order in which wildcard values are tried. What a descriptor becomes:
 * - `match.envoy`: the domain and the path of entries down to it;
 * - a `rate_limit` with a unit: `limit` = requests_per_unit, `windowSeconds` = the unit, the
 *   extension's algorithm (else `fixed_window`, epoch-aligned windows as envoyproxy/ratelimit
 *   counts), burst (else the limit), scope and failure mode;
 * - `unlimited`, or no `rate_limit` at all: limit, window and burst 0 (never counted);
 * - `shadow_mode` is `mode: "shadow"`; name, replaces and the other flags go to `envoy`.
 */
export function envoyPolicies(config: EnvoyDomainConfig): Policy[] {
  const policies: Policy[] = [];
  const visit = (descriptors: readonly EnvoyDescriptorConfig[], parent: readonly EnvoyDescriptorEntry[]): void => {
    for (const descriptor of descriptors) {
      const path: EnvoyDescriptorEntry[] = [...parent, descriptor.value === undefined ? { key: descriptor.key } : { key: descriptor.key, value: descriptor.value }];
      policies.push(policyOf({ domain: config.domain, descriptor, path, position: policies.length }));
      visit(descriptor.descriptors, path);
    }
  };
  visit(config.descriptors, []);
  return policies;
}

function policyOf(input: { domain: string; descriptor: EnvoyDescriptorConfig; path: EnvoyDescriptorEntry[]; position: number }): Policy {
  const { descriptor } = input;
  const rateLimit = descriptor.rateLimit;
  const kind: EnvoyRule['rateLimit'] = rateLimit === undefined ? 'none' : rateLimit.unlimited ? 'unlimited' : 'limited';
  const unit = kind === 'limited' ? rateLimit?.unit : undefined;
  const limit = unit === undefined ? 0 : (rateLimit?.requestsPerUnit ?? 0);
  const envoy: EnvoyRule = {
    position: input.position,
    rateLimit: kind,
    ...(unit === undefined ? {} : { unit }),
    ...(rateLimit?.name === undefined ? {} : { name: rateLimit.name }),
    replaces: rateLimit === undefined ? [] : [...rateLimit.replaces],
    shareThreshold: descriptor.shareThreshold,
    quotaMode: descriptor.quotaMode,
    detailedMetric: descriptor.detailedMetric,
    valueToMetric: descriptor.valueToMetric,
  };
  return {
    id: envoyRuleId(input.domain, input.path),
    match: { envoy: { domain: input.domain, descriptors: input.path } },
    algorithm: rateLimit?.algorithm ?? 'fixed_window',
    limit,
    windowSeconds: unit === undefined ? 0 : ENVOY_UNIT_SECONDS[unit],
    burst: unit === undefined ? 0 : (rateLimit?.burst ?? limit),
    scope: rateLimit?.scope ?? 'regional',
    failureMode: rateLimit?.failureMode ?? 'open',
    mode: descriptor.shadowMode ? 'shadow' : 'enforce',
    version: 1,
    envoy,
  };
}
