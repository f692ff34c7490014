import { Module, type DynamicModule } from '@nestjs/common';
import { CheckModule } from './check/check.module';
import { CoreModule, type CoreModuleOptions } from './core/core.module';
import { CountersModule } from './counters/counters.module';
import { EnvoyModule } from './envoy/envoy.module';
import { HealthModule } from './health/health.module';

/** The enforcer: config, logger and metrics (core), the check route, health endpoints, Envoy's rate-limit gRPC service, operators' counter routes. */
@Module({})
export class AppModule {
  static register(options: CoreModuleOptions): DynamicModule {
    return { module: AppModule, imports: [CoreModule.register(options), CheckModule, HealthModule, EnvoyModule, CountersModule] };
  }
}
