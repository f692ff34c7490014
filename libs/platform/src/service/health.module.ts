import { Controller, Get, Module, Res, type DynamicModule, type InjectionToken, type ModuleMetadata, type Type } from '@nestjs/common';
import type { ReadinessResponse } from '@rl/contracts';
import type { FastifyReply } from 'fastify';
import { Registry } from 'prom-client';
import { READINESS_OPTIONS, ReadinessService, type ReadinessOptions } from './readiness';

export interface HealthModuleOptions<Deps extends unknown[]> {
  /** Modules that provide what `inject` names (global modules need not be listed). */
  readonly imports?: ModuleMetadata['imports'];
  /** Tokens resolved and passed to `readiness`, in order. */
  readonly inject?: InjectionToken[];
  /** Builds the service's named readiness checks from the injected dependencies. */
  readonly readiness: (...deps: Deps) => ReadinessOptions;
  /** Class decorators for the controller, such as an auth guard's "public" marker. */
  readonly controllerDecorators?: readonly ClassDecorator[];
}

/**
 * The endpoints every service has (CONTRACT.md): `GET /healthz` (200 while the process is alive),
 * `GET /readyz` (200, or 503 naming what is missing) and `GET /metrics` (the Registry provided by
 * ServiceCoreModule, in Prometheus text format).
 */
function healthController(decorators: readonly ClassDecorator[]): Type<unknown> {
  @Controller()
  class HealthController {
    constructor(
      private readonly readiness: ReadinessService,
      private readonly registry: Registry,
    ) {}

    @Get('healthz')
    healthz(): { status: 'ok' } {
      return { status: 'ok' };
    }

    @Get('readyz')
    async readyz(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadinessResponse> {
      const report = await this.readiness.check();
      reply.code(report.status === 'ready' ? 200 : 503);
      return report;
    }

    @Get('metrics')
    async metrics(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
      reply.header('content-type', this.registry.contentType);
      return this.registry.metrics();
    }
  }
  for (const decorate of decorators) decorate(HealthController);
  return HealthController;
}

/** Health, readiness and metrics for one service; its readiness is the named checks it registers. */
@Module({})
export class HealthModule {
  static register<Deps extends unknown[]>(options: HealthModuleOptions<Deps>): DynamicModule {
    return {
      module: HealthModule,
      imports: options.imports ?? [],
      controllers: [healthController(options.controllerDecorators ?? [])],
      providers: [{ provide: READINESS_OPTIONS, inject: options.inject ?? [], useFactory: options.readiness }, ReadinessService],
      exports: [ReadinessService],
    };
  }
}
