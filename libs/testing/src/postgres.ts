import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

/** The local PostgreSQL server the test suites share (trust auth on loopback). */
export const TEST_POSTGRES_SERVER = 'postgres://postgres@127.0.0.1:5432';

/** The workspace's migrations by file name, as `npm run migrate` applies them (src: .ts, dist: .js). */
const MIGRATIONS_GLOB = join(__dirname, '..', '..', '..', 'migrations', '[0-9]*-*.{js,ts}');

export interface TestDatabase {
  /** postgres:// URL of the new database. */
  readonly url: string;
  readonly name: string;
  /** Drops the database, closing any connection still open to it. */
  drop(): Promise<void>;
}

export interface CreateTestDatabaseOptions {
  /** Server URL without a database; the local server by default. */
  readonly server?: string;
  /** Apply the migrations (default true). */
  readonly migrate?: boolean;
}

async function onServer(server: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: `${server}/postgres` });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function migrate(url: string): Promise<void> {
  const source = await new DataSource({
    type: 'postgres',
    url,
    migrations: [MIGRATIONS_GLOB],
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    logging: false,
  }).initialize();
  try {
    if (source.migrations.length === 0) throw new Error(`no migrations found at ${MIGRATIONS_GLOB}`);
    await source.runMigrations({ transaction: 'each' });
  } finally {
    await source.destroy();
  }
}

/**
 * A database of its own for one test suite: uniquely named (`rl_test_<time>_<random>`), created on
 * the local server and migrated with the workspace's migrations. Drop it in `afterAll`.
 */
export async function createTestDatabase(options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const server = (options.server ?? TEST_POSTGRES_SERVER).replace(/\/+$/, '');
  const name = `rl_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await onServer(server, `CREATE DATABASE "${name}"`);
  const url = `${server}/${name}`;
  const drop = (): Promise<void> => onServer(server, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  try {
    if (options.migrate !== false) await migrate(url);
  } catch (error) {
    await drop();
    throw error;
  }
  return { url, name, drop };
}
