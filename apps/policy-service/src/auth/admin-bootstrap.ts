import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { PolicyServiceConfig } from '../config/policy-service-config';
import { LOGGER } from '../core/logger.token';
import { ApiKeysService } from './api-keys.service';

/** At boot, before the server listens: ADMIN_TOKEN becomes an admin key (or one must exist already). */
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
    if (this.config.adminToken !== undefined && this.config.adminToken.length < 16) {
      this.logger.warn('ADMIN_TOKEN is shorter than 16 characters; use a long random token outside local development');
    }
  }
}
