import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { LOGGER } from '@rl/platform/service';
import { checkPlugin } from './check-plugin';
import { CheckService } from './check.service';
import { AcquireService } from '../concurrency/acquire.service';
import { SettleService } from './settle.service';

/**
 * Check bodies are small; anything larger is refused before it is parsed. The largest valid body
 * (every string at its maximum length, every character a JSON-escaped surrogate pair) fits.
 */
export const CHECK_BODY_LIMIT_BYTES = 16_384;

/**
 * Registers the check plugin directly on the Fastify instance when the Nest application
 * initialises, before the server starts listening.
 */
@Injectable()
export class CheckRouteRegistrar implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly service: CheckService,
    private readonly settle: SettleService,
    private readonly concurrency: AcquireService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (adapter.getType() !== 'fastify') throw new Error(`the check route needs the Fastify adapter, not ${adapter.getType()}`);
    const fastify = adapter.getInstance<FastifyInstance>();
    void fastify.register(checkPlugin, { service: this.service, settle: this.settle, concurrency: this.concurrency, logger: this.logger, bodyLimit: CHECK_BODY_LIMIT_BYTES });
  }
}
