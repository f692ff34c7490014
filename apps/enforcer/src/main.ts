import 'reflect-metadata';
import { createLogger, urlForLogs } from '@rl/platform';
import { runService } from '@rl/platform/service';
import { createEnforcerApp } from './app.module';
import { EnforcerConfig } from './config/enforcer-config';
import { FilePolicySource, PolicyFileError } from './policies/file-policy-source';
import { PolicySource } from './policies/policy-source';

/**
 * The enforcer (runService: config, boot, shutdown hooks, listen). A bad policy file stops it
 * with the file's problem; a counter store that is down does not (it starts not-ready and keeps
 * reconnecting). SIGTERM turns it not-ready, drains, closes the server, then the store. SIGHUP
 * reloads POLICY_FILE.
 */
runService({
  name: 'enforcer',
  loadConfig: (env) => EnforcerConfig.fromEnv(env),
  createLogger: (config) => createLogger({ service: 'enforcer', level: config.logLevel, fields: { region: config.region, instance: config.instanceId } }),
  createApp: (config, logger) => createEnforcerApp({ config, logger }),
  // A bad policy file is an operator's mistake, not a bug: its message says everything.
  explainStartupError: (error) => (error instanceof PolicyFileError ? { fields: { file: error.path }, message: error.message, exitCode: 1 } : undefined),
  beforeListen: (app, logger) => {
    const policies = app.get(PolicySource);
    if (!(policies instanceof FilePolicySource)) return;
    process.on('SIGHUP', () => {
      policies.reload().then(
        (changed) => logger.info({ file: policies.path, changed }, 'policy file reloaded'),
        (error: unknown) => logger.error({ err: error }, 'policy file reload failed; keeping the current policies'),
      );
    });
  },
  listeningFields: (config) => ({ redis: config.redis.clusterNodes ?? urlForLogs(config.redis.url) }),
});
