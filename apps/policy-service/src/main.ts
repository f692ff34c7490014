import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError, createLogger } from '@rl/platform';
import { AdminBootstrapError } from './auth/api-keys.service';
import { PolicyServiceConfig } from './config/policy-service-config';
import { createPolicyServiceApp } from './create-app';
import { DatabaseSetupError } from './database/open-database';

/**
 * Boots the policy service. Bad configuration, an unmigrated database or a missing ADMIN_TOKEN
 * stop the process with a message naming the problem (exit 78); NATS being down does not (the
 * service starts not-ready, changes wait in the outbox). SIGTERM/SIGINT turn it not-ready, drain,
 * stop the outbox relay, then close NATS and PostgreSQL.
 */
async function bootstrap(): Promise<void> {
  let config: PolicyServiceConfig;
  try {
    config = PolicyServiceConfig.fromEnv(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }

  const logger = createLogger({ service: 'policy-service', level: config.logLevel, fields: { instance: config.instanceId } });
  let app: NestFastifyApplication;
  try {
    app = await createPolicyServiceApp({ config, logger });
  } catch (error) {
    if (error instanceof AdminBootstrapError || error instanceof DatabaseSetupError) {
      logger.fatal({ database: config.databaseUrlForLogs }, error.message);
      process.exit(78);
    }
    logger.fatal({ err: error, database: config.databaseUrlForLogs }, 'policy service failed to start');
    process.exit(1);
  }
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    logger.fatal({ err: error }, `cannot listen on ${config.listenUrl}`);
    process.exit(1);
  }
  logger.info(
    { url: config.listenUrl, docs: `${config.listenUrl}/docs`, database: config.databaseUrlForLogs, nats: config.nats.url, namespace: config.nats.namespace },
    `policy service listening on ${config.listenUrl}`,
  );
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`policy service failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
