import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { CheckService } from '../check/check.service';
import { LOGGER } from '@rl/platform/service';
import { authRequestPlugin } from './auth-request-plugin';

/**
 * Registers `GET /v1/auth` (authRequestPlugin) on the Fastify instance when the Nest application
 * initialises, beside the check route and off Nest's request pipeline like it.
 */
@Injectable()
export class AuthRequestRouteRegistrar implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly service: CheckService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (adapter.getType() !== 'fastify') throw new Error(`the auth route needs the Fastify adapter, not ${adapter.getType()}`);
    const fastify = adapter.getInstance<FastifyInstance>();
    void fastify.register(authRequestPlugin, { service: this.service, logger: this.logger });
  }
}
