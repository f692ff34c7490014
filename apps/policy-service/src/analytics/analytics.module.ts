import { Module } from '@nestjs/common';
import { Registry } from 'prom-client';
import { AnalyticsController } from './analytics.controller';
import { AnalyticsMetrics } from './analytics-metrics';
import { AnalyticsService } from './analytics.service';
import { DecisionEventConsumer } from './decision-event-consumer';
import { RollupStore } from './rollup-store';

/** Throttle analytics: decision events from NATS into per-minute rollups, and the REST API over them. */
@Module({
  controllers: [AnalyticsController],
  providers: [
    { provide: AnalyticsMetrics, inject: [Registry], useFactory: (registry: Registry) => new AnalyticsMetrics(registry) },
    RollupStore,
    AnalyticsService,
    DecisionEventConsumer,
  ],
})
export class AnalyticsModule {}
