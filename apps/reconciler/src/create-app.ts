import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { PinoNestLogger } from '@rl/platform';
import { AppModule, type AppModuleOptions } from './app.module';

/** Builds the Nest application without listening; main.ts listens. */
export async function createReconcilerApp(options: AppModuleOptions): Promise<NestFastifyApplication> {
  return NestFactory.create<NestFastifyApplication>(AppModule.register(options), new FastifyAdapter({ logger: false, return503OnClosing: true, skipMiddie: true }), {
    logger: new PinoNestLogger(options.logger.child({ component: 'nest' })),
    abortOnError: false,
  });
}
