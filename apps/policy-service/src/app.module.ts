import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { ApiExcludeController } from '@nestjs/swagger';
import { NatsConnector } from '@rl/platform';
import { HealthModule, ServiceCoreModule } from '@rl/platform/service';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { Public } from './auth/access.decorator';
import { PolicyServiceConfig } from './config/policy-service-config';
import { Clock, SystemClock } from './core/clock';
import { PolicyServiceMetrics } from './core/policy-service-metrics';
import { AnalyticsModule } from './analytics/analytics.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { BlocksModule } from './blocks/blocks.module';
import { ChangesModule } from './changes/changes.module';
import { CountersModule } from './counters/counters.module';
import { CustomersModule } from './customers/customers.module';
import { DatabaseModule } from './database/database.module';
import { GlobalUsageModule } from './global-usage/global-usage.module';
import { ApiExceptionFilter } from './errors/api-exception.filter';
import { policyServiceReadiness } from './health/policy-service-readiness';
import { ImportsModule } from './imports/imports.module';
import { AdminValidationPipe } from './http/admin-validation.pipe';
import { NatsModule } from './nats/nats.module';
import { OutboxModule } from './outbox/outbox.module';
import type { RelayHooks } from './outbox/outbox-relay.service';
import { OverridesModule } from './overrides/overrides.module';
import { PoliciesModule } from './policies/policies.module';
import { SnapshotModule } from './snapshot/snapshot.module';
import { TiersModule } from './tiers/tiers.module';
import { WhoAmIModule } from './whoami/whoami.module';

export interface AppOptions {
  readonly config: PolicyServiceConfig;
  readonly logger: Logger;
  /** Defaults to a fresh registry with process metrics. */
  readonly registry?: Registry;
  /** Defaults to the system clock. */
  readonly clock?: Clock;
  /** Test seam of the outbox relay. */
  readonly relayHooks?: RelayHooks;
}

/**
 * The policy service: config, logger, metrics (core); PostgreSQL and NATS; authentication; the
 * admin API features; the outbox relay; health. Validation and error mapping apply to every route.
 */
@Module({})
export class AppModule {
  static register(options: AppOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceCoreModule.register({
          service: 'policy-service',
          ...options,
          configClass: PolicyServiceConfig,
          providers: (registry) => [
            { provide: PolicyServiceMetrics, useValue: new PolicyServiceMetrics(registry) },
            { provide: Clock, useValue: options.clock ?? new SystemClock() },
          ],
        }),
        DatabaseModule,
        NatsModule,
        ChangesModule,
        AuthModule,
        OutboxModule.register(options.relayHooks),
        SnapshotModule,
        PoliciesModule,
        ImportsModule,
        CustomersModule,
        TiersModule,
        OverridesModule,
        AuditModule,
        WhoAmIModule,
        BlocksModule,
        GlobalUsageModule,
        CountersModule,
        AnalyticsModule,
        HealthModule.register({
          inject: [DataSource, NatsConnector, PolicyServiceConfig],
          readiness: policyServiceReadiness,
          // No token needed for health, readiness and metrics; not part of the admin API's docs.
          controllerDecorators: [ApiExcludeController(), Public()],
        }),
      ],
      providers: [
        { provide: APP_PIPE, useClass: AdminValidationPipe },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
      ],
    };
  }
}
