import type { Policy } from './types';

/** One imported rule as the console lists it, in its domain's file order. */
export interface EnvoyRuleRow {
  readonly policy: Policy;
  /** Nesting level in the file, from 0. */
  readonly depth: number;
  /** This level's entry: `key` or `key=value`. */
  readonly entry: string;
  /** The whole path: `plan=gold › api_key`. */
  readonly path: string;
  /** `4 / minute`, `0 / minute (denies all)`, `unlimited`, or `no rate_limit`. */
  readonly rate: string;
  /** shadow, replaces …, share_threshold, quota_mode, and our extension when used. */
  readonly flags: readonly string[];
}

export interface EnvoyDomainGroup {
  readonly domain: string;
  readonly rules: readonly EnvoyRuleRow[];
}

const entryText = (entry: { key: string; value?: string }): string => (entry.value === undefined ? entry.key : `${entry.key}=${entry.value}`);

function rateOf(policy: Policy): string {
  const envoy = policy.envoy;
  if (envoy === undefined || envoy.rateLimit === 'none') return 'no rate_limit';
  if (envoy.rateLimit === 'unlimited') return 'unlimited';
  return `${policy.limit} / ${envoy.unit ?? '?'}${policy.limit === 0 ? ' (denies all)' : ''}`;
}

function flagsOf(policy: Policy): string[] {
  const envoy = policy.envoy;
  const flags: string[] = [];
  if (policy.mode === 'shadow') flags.push('shadow');
  if (envoy === undefined) return flags;
  if (envoy.name !== undefined) flags.push(`name ${envoy.name}`);
  if (envoy.replaces.length > 0) flags.push(`replaces ${envoy.replaces.join(', ')}`);
  if (envoy.shareThreshold) flags.push('share_threshold');
  if (envoy.quotaMode) flags.push('quota_mode');
  if (envoy.rateLimit === 'limited') {
    if (policy.algorithm !== 'fixed_window') flags.push(policy.algorithm);
    if (policy.scope === 'global') flags.push('global');
    if (policy.failureMode === 'closed') flags.push('fails closed');
  }
  return flags;
}

/** Splits policies into ordinary ones and imported envoy rules grouped by domain (domains by name, rules in file order). */
export function groupEnvoyPolicies(policies: readonly Policy[]): { ordinary: Policy[]; domains: EnvoyDomainGroup[] } {
  const ordinary: Policy[] = [];
  const byDomain = new Map<string, Policy[]>();
  for (const policy of policies) {
    const domain = policy.match.envoy?.domain;
    if (domain === undefined) {
      ordinary.push(policy);
      continue;
    }
    const list = byDomain.get(domain) ?? [];
    list.push(policy);
    byDomain.set(domain, list);
  }
  const domains = [...byDomain.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([domain, list]) => ({
      domain,
      rules: [...list]
        .sort((a, b) => (a.envoy?.position ?? 0) - (b.envoy?.position ?? 0))
        .map((policy): EnvoyRuleRow => {
          const path = policy.match.envoy?.descriptors ?? [];
          return { policy, depth: Math.max(0, path.length - 1), entry: path.length === 0 ? '' : entryText(path[path.length - 1]), path: path.map(entryText).join(' › '), rate: rateOf(policy), flags: flagsOf(policy) };
        }),
    }));
  return { ordinary, domains };
}
