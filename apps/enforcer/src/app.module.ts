import { Module, type DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { StoreBackend } from '@rl/decision-pipeline';
import { createServiceApp, HealthModule, ServiceCoreModule } from '@rl/platform/service';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { CheckModule } from './check/check.module';
import { EnforcerConfig } from './config/enforcer-config';
import { CountersModule } from './counters/counters.module';
import { EnvoyModule } from './envoy/envoy.module';
import { enforcerReadiness } from './health/enforcer-readiness';
import { EnforcerMetrics } from './metrics/enforcer-metrics';
import { EnvoyRules } from './policies/envoy/envoy-rules';
import { PoliciesModule } from './policies/policies.module';
import { PolicySource } from './policies/policy-source';
import { StoreModule } from './store/store.module';

export interface EnforcerAppOptions {
  readonly config: EnforcerConfig;
  readonly logger: Logger;
  /** Defaults to a fresh registry with process metrics. */
  readonly registry?: Registry;
}

/** The enforcer: config, logger and metrics (core), the check route, health endpoints, Envoy's rate-limit gRPC service, operators' counter routes. */
@Module({})
export class AppModule {
  static register(options: EnforcerAppOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceCoreModule.register({
          service: 'enforcer',
          ...options,
          configClass: EnforcerConfig,
          providers: (registry) => [{ provide: EnforcerMetrics, useValue: new EnforcerMetrics(registry, options.config.region) }],
        }),
        CheckModule,
        HealthModule.register({ imports: [PoliciesModule, StoreModule], inject: [StoreBackend, PolicySource, EnvoyRules, EnforcerConfig], readiness: enforcerReadiness }),
        EnvoyModule,
        CountersModule,
      ],
    };
  }
}

/** Builds the Nest application without listening; main.ts listens. */
export function createEnforcerApp(options: EnforcerAppOptions): Promise<NestFastifyApplication> {
  return createServiceApp({ module: AppModule.register(options), logger: options.logger });
}
