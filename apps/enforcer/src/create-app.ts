import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { PinoNestLogger } from '@rl/platform';
import { AppModule } from './app.module';
import type { CoreModuleOptions } from './core/core.module';

/**
 * The Fastify adapter the enforcer runs on: Fastify's own logging off (no per-request lines; pino
 * is ours), and no @fastify/middie: the enforcer uses no Nest middleware, and middie would run on
 * every `POST /v1/check` as a global hook.
 */
export function createFastifyAdapter(): FastifyAdapter {
  return new FastifyAdapter({ logger: false, return503OnClosing: true, skipMiddie: true });
}

/** Builds the Nest application without listening; main.ts listens. */
export async function createEnforcerApp(options: CoreModuleOptions): Promise<NestFastifyApplication> {
  return NestFactory.create<NestFastifyApplication>(AppModule.register(options), createFastifyAdapter(), {
    logger: new PinoNestLogger(options.logger.child({ component: 'nest' })),
    abortOnError: false,
  });
}
