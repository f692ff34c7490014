import { Global, Module, type DynamicModule } from '@nestjs/common';
import { createMetricsRegistry } from '@rl/platform';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { PolicyServiceConfig } from '../config/policy-service-config';
import { Clock, SystemClock } from './clock';
import { LOGGER } from './logger.token';
import { PolicyServiceMetrics } from './policy-service-metrics';

export interface CoreModuleOptions {
  readonly config: PolicyServiceConfig;
  readonly logger: Logger;
  /** Defaults to a fresh registry with process metrics. */
  readonly registry?: Registry;
  /** Defaults to the system clock. */
  readonly clock?: Clock;
}

/** The process-wide singletons every feature may inject: config, logger, metrics, clock. */
@Global()
@Module({})
export class CoreModule {
  static register(options: CoreModuleOptions): DynamicModule {
    const registry = options.registry ?? createMetricsRegistry({ defaultLabels: { service: 'policy-service' } });
    return {
      module: CoreModule,
      providers: [
        { provide: PolicyServiceConfig, useValue: options.config },
        { provide: LOGGER, useValue: options.logger },
        { provide: Registry, useValue: registry },
        { provide: PolicyServiceMetrics, useValue: new PolicyServiceMetrics(registry) },
        { provide: Clock, useValue: options.clock ?? new SystemClock() },
      ],
      exports: [PolicyServiceConfig, LOGGER, Registry, PolicyServiceMetrics, Clock],
    };
  }
}
