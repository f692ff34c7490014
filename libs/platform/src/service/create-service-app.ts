import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { PinoNestLogger } from '../logging/nest-logger';

/**
 * The Fastify adapter a service runs on unless it needs its own: Fastify's logging off (pino is
 * ours, no per-request lines), 503 to requests arriving while the server closes, and no
 * @fastify/middie (no service uses Nest middleware; middie would run on every request as a hook).
 */
export function createServiceAdapter(): FastifyAdapter {
  return new FastifyAdapter({ logger: false, return503OnClosing: true, skipMiddie: true });
}

export interface CreateServiceAppOptions {
  readonly module: DynamicModule;
  readonly logger: Logger;
  /** Defaults to createServiceAdapter(). */
  readonly adapter?: FastifyAdapter;
  /** False when the adapter brings its own body parser. Default true. */
  readonly bodyParser?: boolean;
}

/** Builds a service's Nest application on Fastify, Nest's log lines going to pino; it does not listen. */
export function createServiceApp(options: CreateServiceAppOptions): Promise<NestFastifyApplication> {
  return NestFactory.create<NestFastifyApplication>(options.module, options.adapter ?? createServiceAdapter(), {
    logger: new PinoNestLogger(options.logger.child({ component: 'nest' })),
    abortOnError: false,
    bodyParser: options.bodyParser ?? true,
  });
}
