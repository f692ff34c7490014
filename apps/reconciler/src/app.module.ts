import { Global, Inject, Injectable, Module, type BeforeApplicationShutdown, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { createMetricsRegistry } from '@rl/platform';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { ReconcilerConfig } from './config/reconciler-config';
import { LOGGER } from './core/logger.token';
import { HealthController } from './http/health.controller';
import { UsageController } from './http/usage.controller';
import { ReconcilerMetrics } from './metrics/reconciler-metrics';
import { ReconcilerService } from './reconcile/reconciler.service';

export interface AppModuleOptions {
  readonly config: ReconcilerConfig;
  readonly logger: Logger;
  /** Defaults to a fresh registry with process metrics. */
  readonly registry?: Registry;
  /** Wall clock in ms (tests may pin it). */
  readonly now?: () => number;
}

/** Starts the reconciler with the app and stops it (lease given up, NATS drained) on shutdown. */
@Injectable()
class ReconcilerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly reconciler: ReconcilerService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.reconciler.start();
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.logger.info({ signal }, 'shutting down: giving the leader lease up');
    await this.reconciler.stop();
  }
}

@Global()
@Module({})
export class AppModule {
  static register(options: AppModuleOptions): DynamicModule {
    const registry = options.registry ?? createMetricsRegistry({ defaultLabels: { service: 'reconciler' } });
    const holder: { service?: ReconcilerService } = {};
    const metrics = new ReconcilerMetrics(registry, () => holder.service?.quotaBook().allocationTotals(holder.service.clock()) ?? []);
    const service = new ReconcilerService({ config: options.config, logger: options.logger, metrics, now: options.now });
    holder.service = service;
    return {
      module: AppModule,
      controllers: [HealthController, UsageController],
      providers: [
        { provide: ReconcilerConfig, useValue: options.config },
        { provide: LOGGER, useValue: options.logger },
        { provide: Registry, useValue: registry },
        { provide: ReconcilerMetrics, useValue: metrics },
        { provide: ReconcilerService, useValue: service },
        ReconcilerLifecycle,
      ],
      exports: [ReconcilerConfig, LOGGER, Registry, ReconcilerService],
    };
  }
}
