import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { EnforcerConfig } from '../config/enforcer-config';
import { LOGGER } from '../core/logger.token';
import { FilePolicySource } from './file-policy-source';
import { PolicyResolver } from './policy-resolver';
import { PolicySource } from './policy-source';
import { StaticPolicySource } from './static-policy-source';

/**
 * The policy source (POLICY_FILE, or none) and the resolver over it. A bad POLICY_FILE rejects
 * here, so the boot fails with the file and field paths.
 */
@Module({
  providers: [
    {
      provide: PolicySource,
      inject: [EnforcerConfig, LOGGER],
      useFactory: async (config: EnforcerConfig, logger: Logger): Promise<PolicySource> => {
        if (config.policyFile === undefined) return new StaticPolicySource();
        const source = await FilePolicySource.open(config.policyFile);
        const snapshot = source.current();
        logger.info({ file: config.policyFile, revision: snapshot.revision, policies: snapshot.policies.length }, 'policy file loaded');
        return source;
      },
    },
    PolicyResolver,
  ],
  exports: [PolicySource, PolicyResolver],
})
export class PoliciesModule implements OnApplicationShutdown {
  constructor(
    private readonly source: PolicySource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.source.close();
    this.logger.debug('policy source closed');
  }
}
