import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { ReadinessResponse } from '@rl/contracts';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { PolicyServiceConfig } from '../config/policy-service-config';
import { LOGGER } from '../core/logger.token';
import { NatsConnector } from '@rl/platform';

type Missing = ReadinessResponse['missing'][number];

const DATABASE_PING_TIMEOUT_MS = 1_000;

/**
 * Ready means: not shutting down, PostgreSQL answers, NATS is connected. On shutdown it turns
 * not-ready first and holds for SHUTDOWN_DRAIN_MS.
 */
@Injectable()
export class ReadinessService implements BeforeApplicationShutdown {
  private draining = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly nats: NatsConnector,
    private readonly config: PolicyServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async check(): Promise<ReadinessResponse> {
    const missing: Missing[] = [];
    if (this.draining) missing.push({ name: 'shutdown', reason: 'shutting down' });
    const database = await this.pingDatabase();
    if (database !== undefined) missing.push({ name: 'postgres', reason: database });
    const nats = this.nats.notReadyReason();
    if (nats !== undefined) missing.push({ name: 'nats', reason: nats });
    return { status: missing.length === 0 ? 'ready' : 'not_ready', missing };
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.draining = true;
    this.logger.info({ signal, drainMs: this.config.shutdownDrainMs }, 'shutting down: not ready, draining');
    if (this.config.shutdownDrainMs > 0) await new Promise((resolve) => setTimeout(resolve, this.config.shutdownDrainMs));
  }

  private async pingDatabase(): Promise<string | undefined> {
    if (!this.dataSource.isInitialized) return 'not connected';
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`no answer within ${DATABASE_PING_TIMEOUT_MS} ms`), DATABASE_PING_TIMEOUT_MS);
    });
    try {
      return await Promise.race([
        this.dataSource.query('SELECT 1').then(
          () => undefined,
          (error: unknown) => (error instanceof Error ? error.message : String(error)),
        ),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
