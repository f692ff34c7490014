import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { EnforcerConfig } from '../config/enforcer-config';
import { LOGGER } from '@rl/platform/service';
import { createControlPlanePolicySource } from './control-plane/create-control-plane-source';
import { EnvoyConfigDirectory } from './envoy/envoy-config-directory';
import { EnvoyRules } from './envoy/envoy-rules';
import { FilePolicySource } from './file-policy-source';
import { PolicyResolver } from './policy-resolver';
import { PolicySource } from './policy-source';
import { StaticPolicySource } from './static-policy-source';

/**
 * The policy source and the resolver over it. The source is the control plane when
 * POLICY_SERVICE_URL is set (it starts with its persisted snapshot and syncs in the background,
 * never failing the boot), else POLICY_FILE, else none. A bad POLICY_FILE rejects here, so the
 * boot fails with the file and field paths.
 */
@Module({
  providers: [
    {
      provide: PolicySource,
      inject: [EnforcerConfig, LOGGER, Registry],
      useFactory: async (config: EnforcerConfig, logger: Logger, registry: Registry): Promise<PolicySource> => {
        if (config.controlPlane !== undefined) {
          logger.info(
            { policyService: config.controlPlane.policyServiceUrl, nats: config.controlPlane.nats, cacheFile: config.controlPlane.cacheFile, trustedKeyIds: config.controlPlane.policyKeys.keyIds },
            'policies from the control plane',
          );
          return createControlPlanePolicySource({
            settings: config.controlPlane,
            connectionName: `enforcer:${config.region}:${config.instanceId}`,
            logger,
            registry,
          });
        }
        if (config.policyFile === undefined) return new StaticPolicySource();
        const source = await FilePolicySource.open(config.policyFile);
        const snapshot = source.current();
        logger.info({ file: config.policyFile, revision: snapshot.revision, policies: snapshot.policies.length }, 'policy file loaded');
        return source;
      },
    },
    PolicyResolver,
    {
      // Imported envoy rules: ENVOY_RATELIMIT_CONFIG_DIR (a bad file there fails the boot), else the policy source.
      provide: EnvoyRules,
      inject: [EnforcerConfig, LOGGER, Registry, PolicySource],
      useFactory: async (config: EnforcerConfig, logger: Logger, registry: Registry, source: PolicySource): Promise<EnvoyRules> => {
        const localPercent = config.localLimitPercent;
        if (config.envoyConfigDir === undefined) return EnvoyRules.fromPolicySource({ source, localPercent, logger });
        const directory = await EnvoyConfigDirectory.open({ dir: config.envoyConfigDir, logger, registry });
        const { revision, domains, policies } = directory.current();
        logger.info({ dir: directory.dir, revision, domains, rules: policies.length }, 'envoy rate-limit config loaded');
        return EnvoyRules.fromDirectory({ directory, localPercent, logger });
      },
    },
  ],
  exports: [PolicySource, PolicyResolver, EnvoyRules],
})
export class PoliciesModule implements OnApplicationShutdown {
  constructor(
    private readonly source: PolicySource,
    private readonly envoyRules: EnvoyRules,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    this.envoyRules.close();
    await this.source.close();
    this.logger.debug('policy source closed');
  }
}
