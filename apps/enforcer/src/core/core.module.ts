import { Global, Module, type DynamicModule } from '@nestjs/common';
import { createMetricsRegistry } from '@rl/platform';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { EnforcerConfig } from '../config/enforcer-config';
import { EnforcerMetrics } from '../metrics/enforcer-metrics';
import { LOGGER } from './logger.token';

export interface CoreModuleOptions {
  readonly config: EnforcerConfig;
  readonly logger: Logger;
  /** Defaults to a fresh registry with process metrics. */
  readonly registry?: Registry;
}

/** The process-wide singletons every feature may inject: config, logger, metrics. */
@Global()
@Module({})
export class CoreModule {
  static register(options: CoreModuleOptions): DynamicModule {
    const registry = options.registry ?? createMetricsRegistry({ defaultLabels: { service: 'enforcer' } });
    return {
      module: CoreModule,
      providers: [
        { provide: EnforcerConfig, useValue: options.config },
        { provide: LOGGER, useValue: options.logger },
        { provide: Registry, useValue: registry },
        { provide: EnforcerMetrics, useValue: new EnforcerMetrics(registry, options.config.region) },
      ],
      exports: [EnforcerConfig, LOGGER, Registry, EnforcerMetrics],
    };
  }
}
