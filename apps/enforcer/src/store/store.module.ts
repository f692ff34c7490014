import { Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { EnforcerConfig } from '../config/enforcer-config';
import { LOGGER } from '../core/logger.token';
import { EnforcerMetrics } from '../metrics/enforcer-metrics';
import { RedisStoreBackend } from './redis-store-backend';
import { StoreBackend } from './store-backend';

/** Provides the StoreBackend (Redis tiers), starts it after boot and closes it after the HTTP server. */
@Module({
  providers: [
    {
      provide: StoreBackend,
      inject: [EnforcerConfig, LOGGER, EnforcerMetrics],
      useFactory: (config: EnforcerConfig, logger: Logger, metrics: EnforcerMetrics): StoreBackend =>
        new RedisStoreBackend({ settings: config.redis, connectionName: `enforcer:${config.region}:${config.instanceId}`, logger, metrics }),
    },
  ],
  exports: [StoreBackend],
})
export class StoreModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly backend: StoreBackend,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.backend.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.backend.close();
    this.logger.info({ store: this.backend.name }, 'counter store closed');
  }
}
