import { Global, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { PolicyServiceConfig } from '../config/policy-service-config';
import { LOGGER } from '@rl/platform/service';
import { openDatabase } from './open-database';

@Injectable()
class DatabaseCloser implements OnApplicationShutdown {
  constructor(private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** The TypeORM DataSource (PostgreSQL through `pg`), opened at boot and closed last on shutdown. */
@Global()
@Module({
  providers: [
    {
      provide: DataSource,
      inject: [PolicyServiceConfig, LOGGER],
      useFactory: (config: PolicyServiceConfig, logger: Logger) => openDatabase(config.database, logger),
    },
    DatabaseCloser,
  ],
  exports: [DataSource],
})
export class DatabaseModule {}
