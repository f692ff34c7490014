import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { OutboxSignal } from '../changes/outbox-signal';
import { PolicyServiceConfig } from '../config/policy-service-config';
import { LOGGER } from '@rl/platform/service';
import { PolicyServiceMetrics } from '../core/policy-service-metrics';
import { OutboxListener } from './outbox-listener';
import { OutboxRelay, type OutboxRelayOptions } from './outbox-relay';
import { NatsConnector } from '@rl/platform';
import { pgSslOptions } from '../database/pg-ssl';

/** Test seam for the in-process relay (see OutboxRelayOptions.afterPublish). */
export const RELAY_HOOKS = Symbol('RELAY_HOOKS');
export type RelayHooks = Pick<OutboxRelayOptions, 'afterPublish'>;

/**
 * Runs the outbox relay inside the service: started once the app is up, woken by every commit (the
 * in-process signal and LISTEN/NOTIFY), stopped before NATS and the database close.
 */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly relay: OutboxRelay;
  private readonly listener: OutboxListener;
  private unsubscribe: (() => void) | undefined;
  private readonly logger: Logger;
  private readonly keyId: string;

  constructor(
    dataSource: DataSource,
    nats: NatsConnector,
    config: PolicyServiceConfig,
    private readonly signal: OutboxSignal,
    metrics: PolicyServiceMetrics,
    @Inject(LOGGER) logger: Logger,
    @Inject(RELAY_HOOKS) hooks: RelayHooks,
  ) {
    this.logger = logger;
    this.keyId = config.policySigner.keyId;
    this.relay = new OutboxRelay({
      dataSource,
      nats: () => nats.connection(),
      namespace: config.nats.namespace,
      signer: config.policySigner,
      pollMs: config.outbox.pollMs,
      batchSize: config.outbox.batchSize,
      logger: logger.child({ component: 'outbox-relay' }),
      metrics,
      ...hooks,
    });
    this.listener = new OutboxListener({
      url: config.database.url,
      role: config.database.role,
      ssl: pgSslOptions(config.database.tls),
      logger: logger.child({ component: 'outbox-listener' }),
      onNotify: () => this.relay.nudge(),
    });
    metrics.setBacklogSource(() => this.relay.backlog());
  }

  onApplicationBootstrap(): void {
    // The key id only (a fingerprint of the public key): what an operator checks during a rotation.
    this.logger.info({ keyId: this.keyId }, 'signing policy changes and snapshots');
    this.unsubscribe = this.signal.subscribe(() => this.relay.nudge());
    this.listener.start();
    this.relay.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    await this.listener.close();
    await this.relay.stop();
  }
}
