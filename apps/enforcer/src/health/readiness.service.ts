import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { ReadinessResponse } from '@rl/contracts';
import type { Logger } from 'pino';
import { EnforcerConfig } from '../config/enforcer-config';
import { LOGGER } from '../core/logger.token';
import { PolicySource } from '../policies/policy-source';
import { StoreBackend } from '@rl/decision-pipeline';

type Missing = ReadinessResponse['missing'][number];

/**
 * Ready means: not shutting down, the counter store answers a PING, and a policy snapshot is
 * loaded. On shutdown it turns not-ready first and holds for SHUTDOWN_DRAIN_MS, so load balancers
 * stop sending traffic before the server closes.
 */
@Injectable()
export class ReadinessService implements BeforeApplicationShutdown {
  private draining = false;

  constructor(
    private readonly store: StoreBackend,
    private readonly policies: PolicySource,
    private readonly config: EnforcerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async check(): Promise<ReadinessResponse> {
    const missing: Missing[] = [];
    if (this.draining) missing.push({ name: 'shutdown', reason: 'shutting down' });
    const policyReason = this.policies.notReadyReason();
    if (policyReason !== undefined) missing.push({ name: 'policies', reason: policyReason });
    try {
      await this.store.ping();
    } catch (error) {
      missing.push({ name: this.store.name, reason: error instanceof Error ? error.message : String(error) });
    }
    return { status: missing.length === 0 ? 'ready' : 'not_ready', missing };
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.draining = true;
    this.logger.info({ signal, drainMs: this.config.shutdownDrainMs }, 'shutting down: not ready, draining');
    if (this.config.shutdownDrainMs > 0) await new Promise((resolve) => setTimeout(resolve, this.config.shutdownDrainMs));
  }
}
