import { Global, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { PolicyServiceConfig } from '../config/policy-service-config';
import { LOGGER } from '@rl/platform/service';
import { NatsConnector } from '@rl/platform';

@Injectable()
class NatsCloser implements OnApplicationShutdown {
  constructor(private readonly connector: NatsConnector) {}

  async onApplicationShutdown(): Promise<void> {
    await this.connector.close();
  }
}

/** The process's NATS connection, connecting in the background from boot. */
@Global()
@Module({
  providers: [
    {
      provide: NatsConnector,
      inject: [PolicyServiceConfig, LOGGER],
      useFactory: (config: PolicyServiceConfig, logger: Logger) => {
        const connector = new NatsConnector({
          url: config.nats.url,
          name: `policy-service ${config.instanceId}`,
          logger: logger.child({ component: 'nats' }),
          transport: config.nats.transport,
        });
        connector.start();
        return connector;
      },
    },
    NatsCloser,
  ],
  exports: [NatsConnector],
})
export class NatsModule {}
