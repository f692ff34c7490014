import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { ReadinessResponse } from '@rl/contracts';
import type { Logger } from 'pino';
import { LOGGER } from './logger.token';

type Finding = ReadinessResponse['missing'][number];

/**
 * One named dependency of a service's readiness. `problem()` resolves undefined while the
 * dependency is fine, otherwise why it is not; a check that throws reports its error message.
 */
export interface ReadinessCheck {
  readonly name: string;
  /** `warning`: reported under `warnings` without making the service unready. Default `required`. */
  readonly severity?: 'required' | 'warning';
  problem(): string | undefined | Promise<string | undefined>;
}

export interface ReadinessOptions {
  /** The checks, in the order `/readyz` names what is missing. */
  readonly checks: readonly ReadinessCheck[];
  /**
   * When set: on shutdown the service first turns not-ready (missing `shutdown`) and holds this
   * long, so load balancers stop sending traffic before the server closes. 0 turns not-ready
   * without waiting.
   */
  readonly shutdownDrainMs?: number;
}

export const READINESS_OPTIONS = Symbol('READINESS_OPTIONS');

/** `/readyz` from named checks: ready when no required check reports a problem and no shutdown has begun. */
@Injectable()
export class ReadinessService implements BeforeApplicationShutdown {
  private draining = false;

  constructor(
    @Inject(READINESS_OPTIONS) private readonly options: ReadinessOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async check(): Promise<ReadinessResponse> {
    const missing: Finding[] = [];
    const warnings: Finding[] = [];
    if (this.draining) missing.push({ name: 'shutdown', reason: 'shutting down' });
    const problems = await Promise.all(this.options.checks.map((check) => problemOf(check)));
    this.options.checks.forEach((check, i) => {
      const reason = problems[i];
      if (reason !== undefined) (check.severity === 'warning' ? warnings : missing).push({ name: check.name, reason });
    });
    const status = missing.length === 0 ? 'ready' : 'not_ready';
    return warnings.length === 0 ? { status, missing } : { status, missing, warnings };
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    const drainMs = this.options.shutdownDrainMs;
    if (drainMs === undefined) return;
    this.draining = true;
    this.logger.info({ signal, drainMs }, 'shutting down: not ready, draining');
    if (drainMs > 0) await new Promise((resolve) => setTimeout(resolve, drainMs));
  }
}

async function problemOf(check: ReadinessCheck): Promise<string | undefined> {
  try {
    return await check.problem();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
