import type { Policy } from '@rl/contracts';
import { EnvoyRuleIndex } from '@rl/envoy-config';
import { compileEnvoyRule, type CompiledEnvoyRule } from './compiled-envoy-rule';

/** One domain's imported rules: the policies it was built from and the matching index over them. */
export interface EnvoyDomainRules {
  readonly domain: string;
  readonly index: EnvoyRuleIndex<CompiledEnvoyRule>;
  /** The policies, in the order given: a rebuild keeps this domain while they are the same objects. */
  readonly members: readonly Policy[];
}

function sameMembers(a: readonly Policy[], b: readonly Policy[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The imported rules of every domain among `policies` (those with `match.envoy`), compiled once per
 * change. A domain whose policies are the same objects as in `previous` keeps its index, so a
 * change to one domain (or to an ordinary policy) recompiles nothing else.
 */
export function buildEnvoyDomains(input: { policies: readonly Policy[]; localPercent: number; previous?: ReadonlyMap<string, EnvoyDomainRules> }): Map<string, EnvoyDomainRules> {
  const byDomain = new Map<string, Policy[]>();
  for (const policy of input.policies) {
    const domain = policy.match.envoy?.domain;
    if (domain === undefined) continue;
    let members = byDomain.get(domain);
    if (members === undefined) {
      members = [];
      byDomain.set(domain, members);
    }
    members.push(policy);
  }
  const domains = new Map<string, EnvoyDomainRules>();
  for (const [domain, members] of byDomain) {
    const old = input.previous?.get(domain);
    if (old !== undefined && sameMembers(old.members, members)) {
      domains.set(domain, old);
      continue;
    }
    const index = EnvoyRuleIndex.build(
      members.map((policy) => ({
        descriptors: policy.match.envoy?.descriptors ?? [],
        position: policy.envoy?.position ?? 0,
        shareThreshold: policy.envoy?.shareThreshold ?? false,
        rule: compileEnvoyRule({ policy, localPercent: input.localPercent }),
      })),
    );
    domains.set(domain, { domain, index, members });
  }
  return domains;
}
