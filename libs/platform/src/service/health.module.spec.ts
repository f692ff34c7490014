import { Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import pino from 'pino';
import { Counter } from 'prom-client';
import { createServiceAdapter } from './create-service-app';
import { HealthModule } from './health.module';
import { ServiceCoreModule } from './service-core.module';
import { createMetricsRegistry } from '../metrics/create-metrics-registry';

class DemoConfig {
  readonly shutdownDrainMs = 0;
}

/** A dependency the checks read, as a store or a NATS link would be. */
class Dependency {
  problem: string | undefined = 'not connected yet';
}

const OPEN = 'open';
/** A guard that refuses every controller not marked open, as an admin API's token guard does. */
@Injectable()
class ClosedByDefault implements CanActivate {
  constructor(private readonly reflector: Reflector) {}
  canActivate(context: ExecutionContext): boolean {
    return this.reflector.get<boolean>(OPEN, context.getClass()) === true;
  }
}

async function start(options: { guarded: boolean; open: boolean }): Promise<{ app: NestFastifyApplication; dependency: Dependency }> {
  const dependency = new Dependency();
  const registry = createMetricsRegistry({ defaultLabels: { service: 'demo' }, processMetrics: 'off' });
  new Counter({ name: 'demo_total', help: 'demo', registers: [registry] });
  const moduleRef = await Test.createTestingModule({
    imports: [
      ServiceCoreModule.register({ service: 'demo', config: new DemoConfig(), configClass: DemoConfig, logger: pino({ level: 'silent' }), registry, providers: () => [{ provide: Dependency, useValue: dependency }] }),
      HealthModule.register({
        inject: [Dependency, DemoConfig],
        readiness: (dep: Dependency, config: DemoConfig) => ({ checks: [{ name: 'dependency', problem: () => dep.problem }], shutdownDrainMs: config.shutdownDrainMs }),
        controllerDecorators: options.open ? [SetMetadata(OPEN, true)] : [],
      }),
    ],
    providers: options.guarded ? [{ provide: APP_GUARD, useClass: ClosedByDefault }] : [],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createServiceAdapter(), { logger: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return { app, dependency };
}

describe('HealthModule', () => {
  it('serves /healthz, /readyz from the registered checks, and /metrics from the core registry', async () => {
    const { app, dependency } = await start({ guarded: false, open: false });
    try {
      expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
      const notReady = await app.inject({ method: 'GET', url: '/readyz' });
      expect(notReady.statusCode).toBe(503);
      expect(notReady.json()).toEqual({ status: 'not_ready', missing: [{ name: 'dependency', reason: 'not connected yet' }] });
      dependency.problem = undefined;
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect({ status: ready.statusCode, body: ready.json() }).toEqual({ status: 200, body: { status: 'ready', missing: [] } });
      const metrics = await app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(metrics.body).toContain('demo_total{service="demo"} 0');
    } finally {
      await app.close();
    }
  });

  it('applies the controller decorators a service passes (a guard lets the marked controller through)', async () => {
    const closed = await start({ guarded: true, open: false });
    const open = await start({ guarded: true, open: true });
    try {
      expect((await closed.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(403);
      expect((await open.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await closed.app.close();
      await open.app.close();
    }
  });
});
