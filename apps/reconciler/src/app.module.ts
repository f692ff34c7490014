import { Inject, Injectable, Module, type BeforeApplicationShutdown, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServiceApp, HealthModule, LOGGER, ServiceCoreModule } from '@rl/platform/service';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { ReconcilerConfig } from './config/reconciler-config';
import { UsageController } from './http/usage.controller';
import { ReconcilerMetrics } from './metrics/reconciler-metrics';
import { QuotaLedger } from './reconcile/quota-ledger';
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

/** The reconciler: config, logger, metrics and its parts (core), the usage views, health endpoints. */
@Module({})
export class AppModule {
  static register(options: AppModuleOptions): DynamicModule {
    const now = options.now ?? Date.now;
    const ledger = new QuotaLedger(options.config);
    return {
      module: AppModule,
      imports: [
        ServiceCoreModule.register({
          service: 'reconciler',
          ...options,
          configClass: ReconcilerConfig,
          providers: (registry) => {
            const metrics = new ReconcilerMetrics(registry, () => ledger.book.allocationTotals(now()));
            return [
              { provide: ReconcilerMetrics, useValue: metrics },
              { provide: ReconcilerService, useValue: new ReconcilerService({ config: options.config, logger: options.logger, metrics, ledger, now }) },
            ];
          },
        }),
        HealthModule.register({ inject: [ReconcilerService], readiness: (reconciler: ReconcilerService) => reconciler.readiness() }),
      ],
      controllers: [UsageController],
      providers: [ReconcilerLifecycle],
    };
  }
}

/** Builds the Nest application without listening; main.ts listens. */
export function createReconcilerApp(options: AppModuleOptions): Promise<NestFastifyApplication> {
  return createServiceApp({ module: AppModule.register(options), logger: options.logger });
}
