import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { EnforcerConfig } from '../config/enforcer-config';
import { LOGGER } from '@rl/platform/service';
import { DecisionEventBuffer } from './decision-event-buffer';
import { DecisionEventMetrics } from './decision-event-metrics';
import { DecisionEventPublisher } from './decision-event-publisher';
import type { DecisionObserver } from './decision-observer';

/** The check route's DecisionObserver: the decision-event publisher, or `null` when events are off. */
export const DECISION_OBSERVER = Symbol('DecisionObserver');

/** Decision events: on when the config enables them (control plane set, sample rate or deny cap above 0). */
@Module({
  providers: [
    {
      provide: DECISION_OBSERVER,
      inject: [EnforcerConfig, LOGGER, Registry],
      useFactory: (config: EnforcerConfig, logger: Logger, registry: Registry): DecisionObserver | null => {
        const settings = config.events;
        if (!settings.enabled) return null;
        const metrics: DecisionEventMetrics = new DecisionEventMetrics(registry, () => buffer.size);
        const buffer = new DecisionEventBuffer({
          capacity: settings.bufferSize,
          sampleRate: settings.sampleRate,
          denyRateCap: settings.denyRateCap,
          random: Math.random,
          nowMs: Date.now,
          onDrop: (reason) => metrics.recordDrop(reason),
        });
        const publisher = new DecisionEventPublisher({
          settings,
          natsUrl: config.nats.url,
          natsTransport: config.nats.transport,
          namespace: config.nats.namespace,
          region: config.region,
          instanceId: config.instanceId,
          logger: logger.child({ component: 'decision-events' }),
          metrics,
          buffer,
        });
        publisher.start();
        return publisher;
      },
    },
  ],
  exports: [DECISION_OBSERVER],
})
export class EventsModule implements OnApplicationShutdown {
  constructor(@Inject(DECISION_OBSERVER) private readonly observer: DecisionObserver | null) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.observer instanceof DecisionEventPublisher) await this.observer.close();
  }
}
