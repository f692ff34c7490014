import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { PolicyServiceConfig } from '../config/policy-service-config';
import { LOGGER } from '@rl/platform/service';
import { ApiKeysService } from './api-keys.service';

/**
 * At boot, before the server listens: ADMIN_TOKEN becomes an admin key (or one must exist already),
 * and ENFORCER_API_KEY, when set, a key of the `enforcer` role.
 */
@Injectable()
export class AdminBootstrap implements OnModuleInit {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly config: PolicyServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    const outcome = await this.apiKeys.bootstrap(this.config.adminToken);
    if (outcome === 'created' || outcome === 'replaced') this.logger.info({ outcome }, 'ADMIN_TOKEN stored as an admin API key');
    const enforcer = await this.apiKeys.bootstrapEnforcerKey(this.config.access.enforcerApiKey);
    if (enforcer === 'created' || enforcer === 'replaced') this.logger.info({ outcome: enforcer }, 'ENFORCER_API_KEY stored as an API key of the enforcer role');
    for (const [name, token] of [['ADMIN_TOKEN', this.config.adminToken], ['ENFORCER_API_KEY', this.config.access.enforcerApiKey]] as const) {
      if (token !== undefined && token.length < 16) this.logger.warn(`${name} is shorter than 16 characters; use a long random token outside local development`);
    }
  }
}
