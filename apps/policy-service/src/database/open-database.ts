import { isCertificateError } from '@rl/platform';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { DatabaseSettings } from '../config/policy-service-config';
import { pgSslOptions } from './pg-ssl';

/** The schema is missing or the role switch failed: an operator's problem, reported with what to do. */
export class DatabaseSetupError extends Error {
  override readonly name = 'DatabaseSetupError';
}

/**
 * Opens the connection pool. Every connection switches to `settings.role` (a startup `SET ROLE`),
 * so the service holds only the privileges the migrations grant that role. Never synchronizes and
 * never runs migrations: `npm run migrate` does. Fails fast when the schema is not there.
 */
export async function openDatabase(settings: DatabaseSettings, logger: Logger): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'postgres',
    url: settings.url,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    applicationName: 'policy-service',
    ssl: pgSslOptions(settings.tls),
    poolSize: settings.poolSize,
    connectTimeoutMS: 5_000,
    extra: { options: `-c role=${settings.role}`, idleTimeoutMillis: 30_000 },
  });
  try {
    await dataSource.initialize();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (isCertificateError(error)) {
      const ca = settings.tls?.ca === undefined ? "the system's CAs (set DATABASE_SSL_CA_FILE)" : `the CA in DATABASE_SSL_CA_FILE (${settings.tls.ca.path})`;
      throw new DatabaseSetupError(`the PostgreSQL server's certificate does not verify against ${ca} (DATABASE_SSL_MODE ${settings.tls?.mode}): ${message}`);
    }
    if (/does not support SSL/i.test(message)) {
      throw new DatabaseSetupError(`DATABASE_SSL_MODE is ${settings.tls?.mode} but the PostgreSQL server does not offer TLS; nothing is sent in plaintext (${message})`);
    }
    if (/permission denied to set role|role .* does not exist/.test(message)) {
      throw new DatabaseSetupError(`cannot switch to DATABASE_ROLE "${settings.role}": ${message} (run \`npm run migrate\`, or grant the role to the login user)`);
    }
    if (/database .* does not exist/.test(message)) throw new DatabaseSetupError(`${message}: run \`npm run migrate\` first`);
    throw error;
  }
  const [{ schema }] = (await dataSource.query(`SELECT to_regclass('public.control_revision') IS NOT NULL AS schema`)) as { schema: boolean }[];
  if (!schema) {
    await dataSource.destroy();
    throw new DatabaseSetupError('the database has no control-plane schema: run `npm run migrate` first');
  }
  logger.debug({ role: settings.role }, 'database connected');
  return dataSource;
}
