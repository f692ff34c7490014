import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServiceApp } from '@rl/platform/service';
import { AppModule, type AppOptions } from './app.module';
import { serveConsole } from './console/serve-console';
import { InvalidInputError } from './errors/api-errors';
import { parseJsonBody } from './http/json-body';
import { setupOpenApi } from './openapi/setup-openapi';

const BODY_LIMIT_BYTES = 1_048_576;

/**
 * Fastify for the admin API: its own logging off (pino is ours), request bodies up to 1 MiB, and
 * our JSON parser (depth limit, prototype members refused, each with a 400 that says so) instead
 * of Nest's; NestFactory is told not to register its own (`bodyParser: false`).
 */
export function createFastifyAdapter(): FastifyAdapter {
  const adapter = new FastifyAdapter({ logger: false, return503OnClosing: true, bodyLimit: BODY_LIMIT_BYTES });
  adapter.getInstance().addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES }, (_request, body, done) => {
    const parsed = parseJsonBody(typeof body === 'string' ? body : body.toString('utf8'));
    if (parsed.ok) done(null, parsed.value);
    else done(new InvalidInputError(parsed.fields), undefined);
  });
  return adapter;
}

/**
 * Builds and initialises the application without listening (main.ts listens; tests inject or
 * listen on a free port). Boot connects to PostgreSQL (failing fast when it is missing or not
 * migrated), stores ADMIN_TOKEN, and connects to NATS in the background.
 */
export async function createPolicyServiceApp(options: AppOptions): Promise<NestFastifyApplication> {
  const app = await createServiceApp({ module: AppModule.register(options), logger: options.logger, adapter: createFastifyAdapter(), bodyParser: false });
  setupOpenApi(app);
  try {
    await serveConsole(app, { dir: options.config.console.dir, logger: options.logger });
    await app.init();
  } catch (error) {
    // The pool and the NATS connection are open by now: close them, then report the boot failure.
    await app.close();
    throw error;
  }
  return app;
}
