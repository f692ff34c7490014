import { Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { EnforcerConfig } from '../config/enforcer-config';
import { LOGGER } from '@rl/platform/service';
import { EnforcerMetrics } from '../metrics/enforcer-metrics';
import { PoliciesModule } from '../policies/policies.module';
import { LimitChangeDetector } from '../policies/limit-change-detector';
import { PolicySource } from '../policies/policy-source';
import { DecisionPipeline, RedisStoreBackend, StoreBackend } from '@rl/decision-pipeline';

/**
 * Provides the StoreBackend (Redis tiers, behind the hot-key layer) and the DecisionPipeline over
 * it (shared by checks and counter inspection), starts it after boot, tells it
 * of every change to limits (deny cache and leases are dropped; a snapshot that only changes blocks
 * keeps them), and closes it after the HTTP server.
 */
@Module({
  imports: [PoliciesModule],
  providers: [
    {
      provide: StoreBackend,
      inject: [EnforcerConfig, LOGGER, EnforcerMetrics],
      useFactory: (config: EnforcerConfig, logger: Logger, metrics: EnforcerMetrics): StoreBackend =>
        new RedisStoreBackend({ settings: config.redis, connectionName: `enforcer:${config.region}:${config.instanceId}`, logger, metrics, hotKeys: config.hotKeys }),
    },
    {
      provide: DecisionPipeline,
      inject: [StoreBackend, EnforcerMetrics, LOGGER],
      useFactory: (backend: StoreBackend, metrics: EnforcerMetrics, logger: Logger): DecisionPipeline => new DecisionPipeline({ backend, metrics, logger }),
    },
  ],
  exports: [StoreBackend, DecisionPipeline],
})
export class StoreModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly backend: StoreBackend,
    private readonly policies: PolicySource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const limits = new LimitChangeDetector();
    const current = this.policies.current();
    if (current !== undefined) limits.changed(current);
    this.unsubscribe = this.policies.subscribe((snapshot) => {
      if (limits.changed(snapshot)) this.backend.policiesChanged();
    });
    this.backend.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    await this.backend.close();
    this.logger.info({ store: this.backend.name }, 'counter store closed');
  }
}
