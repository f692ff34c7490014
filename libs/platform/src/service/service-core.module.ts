import { Global, Module, type Abstract, type DynamicModule, type InjectionToken, type Provider } from '@nestjs/common';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { createMetricsRegistry } from '../metrics/create-metrics-registry';
import { LOGGER } from './logger.token';

export interface ServiceCoreOptions<Config extends object> {
  /** The service name: the `service` label of every metric. */
  readonly service: string;
  /** The validated config, provided under `configClass`. */
  readonly config: Config;
  readonly configClass: Abstract<Config>;
  readonly logger: Logger;
  /** Defaults to a fresh registry with process metrics. */
  readonly registry?: Registry;
  /** Further process-wide singletons (metrics, clock), built once the registry is known. */
  readonly providers?: (registry: Registry) => Provider[];
}

function tokenOf(provider: Provider): InjectionToken {
  return 'provide' in provider ? provider.provide : provider;
}

/** The process-wide singletons every feature of a service may inject: config, LOGGER, Registry and the service's own. */
@Global()
@Module({})
export class ServiceCoreModule {
  static register<Config extends object>(options: ServiceCoreOptions<Config>): DynamicModule {
    const registry = options.registry ?? createMetricsRegistry({ defaultLabels: { service: options.service } });
    const providers: Provider[] = [
      { provide: options.configClass, useValue: options.config },
      { provide: LOGGER, useValue: options.logger },
      { provide: Registry, useValue: registry },
      ...(options.providers?.(registry) ?? []),
    ];
    return { module: ServiceCoreModule, providers, exports: providers.map(tokenOf) };
  }
}
