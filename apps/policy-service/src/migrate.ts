import { ConfigError, createLogger, loadEnv, logLevelEnv, type EnvValues } from '@rl/platform';
import { databaseTlsProblems, databaseTlsSettings, DATABASE_TLS_ENV } from './config/database-tls-env';
import { migrateDatabase } from './database/migrations';
import { pgSslOptions } from './database/pg-ssl';
import { POLICY_SERVICE_ENV } from './config/policy-service-env';

/**
 * `npm run migrate`: creates the database named in DATABASE_URL if needed and applies pending
 * migrations, over TLS as DATABASE_SSL_MODE says. Never run at service boot.
 */
const MIGRATE_ENV = { DATABASE_URL: POLICY_SERVICE_ENV.DATABASE_URL, ...DATABASE_TLS_ENV, LOG_LEVEL: logLevelEnv() };

async function main(): Promise<void> {
  let env: EnvValues<typeof MIGRATE_ENV>;
  try {
    env = loadEnv(MIGRATE_ENV, process.env);
    const problems = databaseTlsProblems(env);
    if (problems.length > 0) throw new ConfigError(problems);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
  const logger = createLogger({ service: 'migrate', level: env.LOG_LEVEL });
  const url = new URL(env.DATABASE_URL);
  if (url.password !== '') url.password = '***';
  const result = await migrateDatabase({ url: env.DATABASE_URL, ssl: pgSslOptions(databaseTlsSettings(env)) });
  logger.info(
    { database: url.href, created: result.created, applied: result.applied },
    result.applied.length === 0 ? `database ${result.database} is up to date` : `applied ${result.applied.length} migration(s) to ${result.database}`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`migrate failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
