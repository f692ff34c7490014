import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError, createLogger } from '@rl/platform';
import { ReconcilerConfig } from './config/reconciler-config';
import { createReconcilerApp } from './create-app';

/**
 * Boots the reconciler. Bad configuration stops the process with a message naming the variable
 * (exit 78); NATS down does not (the reconciler starts not-ready and keeps connecting). SIGTERM
 * gives the leader lease up, so a standby takes over at once, then drains NATS.
 */
async function bootstrap(): Promise<void> {
  let config: ReconcilerConfig;
  try {
    config = ReconcilerConfig.fromEnv(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  const logger = createLogger({ service: 'reconciler', level: config.logLevel, fields: { instance: config.instanceId } });
  let app: NestFastifyApplication;
  try {
    app = await createReconcilerApp({ config, logger });
  } catch (error) {
    logger.fatal({ err: error }, 'reconciler failed to start');
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
    {
      url: config.listenUrl,
      nats: config.nats.url,
      namespace: config.nats.namespace,
      regions: config.regions,
      // Key ids only (fingerprints of public keys): what an operator checks during a rotation.
      allocationKeyId: config.signing.allocationSigner.keyId,
      usageKeyIds: Object.fromEntries([...config.signing.usageKeys].map(([region, keys]) => [region, keys.keyIds])),
    },
    `reconciler listening on ${config.listenUrl}`,
  );
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`reconciler failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
