import 'reflect-metadata';
import { createLogger } from '@rl/platform';
import { runService } from '@rl/platform/service';
import { AdminBootstrapError } from './auth/api-keys.service';
import { PolicyServiceConfig } from './config/policy-service-config';
import { createPolicyServiceApp } from './create-app';
import { DatabaseSetupError } from './database/open-database';

/**
 * The policy service (runService: config, boot, shutdown hooks, listen). An unmigrated database
 * or a missing ADMIN_TOKEN stops it with a message naming the problem (exit 78); NATS being down
 * does not (it starts not-ready, changes wait in the outbox). SIGTERM/SIGINT turn it not-ready,
 * drain, stop the outbox relay, then close NATS and PostgreSQL.
 */
runService({
  name: 'policy service',
  loadConfig: (env) => PolicyServiceConfig.fromEnv(env),
  createLogger: (config) => createLogger({ service: 'policy-service', level: config.logLevel, fields: { instance: config.instanceId } }),
  createApp: (config, logger) => createPolicyServiceApp({ config, logger }),
  explainStartupError: (error, config) =>
    error instanceof AdminBootstrapError || error instanceof DatabaseSetupError ? { fields: { database: config.databaseUrlForLogs }, message: error.message, exitCode: 78 } : undefined,
  startupFailureFields: (config) => ({ database: config.databaseUrlForLogs }),
  listeningFields: (config) => ({ docs: `${config.listenUrl}/docs`, database: config.databaseUrlForLogs, nats: config.nats.url, namespace: config.nats.namespace }),
});
