import type { Policy } from '@rl/contracts';
import type { Logger } from 'pino';
import type { PolicySource } from '../policy-source';
import { buildEnvoyDomains, type EnvoyDomainRules } from './envoy-domain-rules';
import type { EnvoyConfigDirectory } from './envoy-config-directory';

/**
 * The imported envoy rules of every domain, for Envoy's gRPC service: from
 * ENVOY_RATELIMIT_CONFIG_DIR when it is set, else the policies with `match.envoy` of the policy
 * source (imports through the policy service, or a POLICY_FILE). Each change is compiled off the
 * request path and swapped in whole; a domain without rules keeps the ordinary descriptor mapping.
 */
export class EnvoyRules {
  private domains: ReadonlyMap<string, EnvoyDomainRules>;
  private readonly unsubscribe: () => void;

  private constructor(
    private readonly localPercent: number,
    private readonly feed: { policies: () => readonly Policy[]; subscribe: (listener: () => void) => () => void; problem: () => string | undefined; label: string; close: () => void },
    private readonly logger: Logger,
  ) {
    this.domains = buildEnvoyDomains({ policies: feed.policies(), localPercent });
    this.unsubscribe = feed.subscribe(() => this.rebuild());
  }

  static fromPolicySource(input: { source: PolicySource; localPercent: number; logger: Logger }): EnvoyRules {
    const { source } = input;
    return new EnvoyRules(
      input.localPercent,
      { policies: () => source.current()?.policies ?? [], subscribe: (listener) => source.subscribe(listener), problem: () => undefined, label: 'policy source', close: () => undefined },
      input.logger,
    );
  }

  static fromDirectory(input: { directory: EnvoyConfigDirectory; localPercent: number; logger: Logger }): EnvoyRules {
    const { directory } = input;
    return new EnvoyRules(
      input.localPercent,
      { policies: () => directory.current().policies, subscribe: (listener) => directory.subscribe(listener), problem: () => directory.problem(), label: directory.dir, close: () => directory.close() },
      input.logger,
    );
  }

  /** The rules of `domain`, or undefined when it has none. */
  domain(domain: string): EnvoyDomainRules | undefined {
    return this.domains.get(domain);
  }

  /** Domains with imported rules. */
  get domainNames(): string[] {
    return [...this.domains.keys()];
  }

  /** Why the configuration in force is not the latest one (a refused reload), for /readyz. */
  problem(): string | undefined {
    return this.feed.problem();
  }

  close(): void {
    this.unsubscribe();
    this.feed.close();
  }

  private rebuild(): void {
    const before = this.domains;
    this.domains = buildEnvoyDomains({ policies: this.feed.policies(), localPercent: this.localPercent, previous: before });
    if ([...this.domains.values()].some((d) => before.get(d.domain) !== d) || before.size !== this.domains.size) {
      this.logger.info({ from: this.feed.label, domains: [...this.domains.keys()] }, 'envoy rules updated');
    }
  }
}
