import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError, createLogger } from '@rl/platform';
import { EnforcerConfig } from './config/enforcer-config';
import { createEnforcerApp } from './create-app';
import { FilePolicySource, PolicyFileError } from './policies/file-policy-source';
import { PolicySource } from './policies/policy-source';

/**
 * Boots the enforcer. Bad configuration or a bad policy file stops the process with a message
 * naming the problem; a counter store that is down does not (the enforcer starts not-ready and
 * keeps reconnecting). SIGTERM turns it not-ready, drains, closes the server, then the store.
 * SIGHUP reloads POLICY_FILE.
 */
async function bootstrap(): Promise<void> {
  let config: EnforcerConfig;
  try {
    config = EnforcerConfig.fromEnv(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }

  const logger = createLogger({ service: 'enforcer', level: config.logLevel, fields: { region: config.region, instance: config.instanceId } });
  let app: NestFastifyApplication;
  try {
    app = await createEnforcerApp({ config, logger });
  } catch (error) {
    // A bad policy file is an operator's mistake, not a bug: its message says everything.
    if (error instanceof PolicyFileError) logger.fatal({ file: error.path }, error.message);
    else logger.fatal({ err: error }, 'enforcer failed to start');
    process.exit(1);
  }
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);

  const policies = app.get(PolicySource);
  if (policies instanceof FilePolicySource) {
    process.on('SIGHUP', () => {
      policies.reload().then(
        (changed) => logger.info({ file: policies.path, changed }, 'policy file reloaded'),
        (error: unknown) => logger.error({ err: error }, 'policy file reload failed; keeping the current policies'),
      );
    });
  }

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    logger.fatal({ err: error }, `cannot listen on ${config.listenUrl}`);
    process.exit(1);
  }
  logger.info({ url: config.listenUrl, redis: config.redis.clusterNodes ?? redactPassword(config.redis.url) }, `enforcer listening on ${config.listenUrl}`);
}

function redactPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.href;
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`enforcer failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
