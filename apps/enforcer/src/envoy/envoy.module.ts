import { Module } from '@nestjs/common';
import { Registry } from 'prom-client';
import { BlocksModule } from '../blocks/blocks.module';
import { CheckModule } from '../check/check.module';
import { PoliciesModule } from '../policies/policies.module';
import { EnvoyGrpcServer } from './envoy-grpc.server';
import { EnvoyMetrics } from './envoy-metrics';
import { EnvoyRateLimitService } from './envoy-rate-limit.service';

/** Envoy's rate-limit gRPC API (ENVOY_GRPC_PORT), deciding through the same CheckService as `POST /v1/check`. */
@Module({
  imports: [CheckModule, BlocksModule, PoliciesModule],
  providers: [
    EnvoyRateLimitService,
    EnvoyGrpcServer,
    { provide: EnvoyMetrics, inject: [Registry], useFactory: (registry: Registry): EnvoyMetrics => new EnvoyMetrics(registry) },
  ],
})
export class EnvoyModule {}
