import { join } from 'node:path';
import type { PgSsl } from './pg-ssl';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

/**
 * The workspace's migrations: `migrations/<timestamp>-<PastTenseName>.ts`, found by file name
 * (compiled to dist/migrations/*.js; the same relative path from src and from dist).
 */
export const MIGRATIONS_GLOB = join(__dirname, '..', '..', '..', '..', 'migrations', '[0-9]*-*.{js,ts}');
export const MIGRATIONS_TABLE = 'schema_migrations';

/** Serialises concurrent migrators on one database (an arbitrary constant). */
const MIGRATION_LOCK = 7_265_000;
const DATABASE_NAME = /^[A-Za-z0-9_-]{1,63}$/;

export interface MigrateDatabaseOptions {
  /** postgres://user@host:port/database */
  readonly url: string;
  /** Create the database named in the URL when it does not exist (default true). */
  readonly createDatabase?: boolean;
  /** TLS of every connection (DATABASE_SSL_MODE, see pgSslOptions); none by default. */
  readonly ssl?: PgSsl;
}

export interface MigrateResult {
  readonly database: string;
  readonly created: boolean;
  /** Names of the migrations applied by this run, oldest first; empty when already up to date. */
  readonly applied: readonly string[];
}

/** The database named in a postgres URL. */
export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!DATABASE_NAME.test(name)) throw new Error(`database name must match ${DATABASE_NAME.source} (got ${JSON.stringify(name)})`);
  return name;
}

/** Creates the database named in `url` unless it exists, connecting to the server's `postgres` database. */
export async function ensureDatabase(url: string, ssl: PgSsl = false): Promise<boolean> {
  const name = databaseName(url);
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const client = new Client({ connectionString: maintenance.href, ssl });
  await client.connect();
  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (existing.rowCount !== 0) return false;
    try {
      await client.query(`CREATE DATABASE "${name}"`);
      return true;
    } catch (error) {
      // 42P04 duplicate_database: another migrator created it between the check and the CREATE.
      if ((error as { code?: string }).code === '42P04') return false;
      throw error;
    }
  } finally {
    await client.end();
  }
}

function migrationSource(url: string, ssl: PgSsl = false): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    ssl,
    migrations: [MIGRATIONS_GLOB],
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsTransactionMode: 'each',
    logging: false,
  });
}

async function withMigrationLock<T>(url: string, work: () => Promise<T>, ssl: PgSsl = false): Promise<T> {
  const lock = new Client({ connectionString: url, ssl });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    return await work();
  } finally {
    await lock.end();
  }
}

/** Every migration's name, oldest first (connects to the database in `url`). */
export async function migrationNames(url: string): Promise<string[]> {
  const source = await migrationSource(url).initialize();
  try {
    const names = source.migrations.map((m) => m.name ?? m.constructor.name);
    // TypeORM orders migrations by the timestamp that ends each class name.
    return names.sort((a, b) => Number(/\d+$/.exec(a)?.[0]) - Number(/\d+$/.exec(b)?.[0]));
  } finally {
    await source.destroy();
  }
}

/**
 * `npm run migrate`: creates the database if needed and applies every pending migration, each in
 * its own transaction. Safe to run concurrently (an advisory lock serialises migrators).
 */
export async function migrateDatabase(options: MigrateDatabaseOptions): Promise<MigrateResult> {
  const ssl = options.ssl ?? false;
  const created = options.createDatabase === false ? false : await ensureDatabase(options.url, ssl);
  const applied = await withMigrationLock(
    options.url,
    async () => {
      const source = await migrationSource(options.url, ssl).initialize();
      try {
        if (source.migrations.length === 0) throw new Error(`no migrations found at ${MIGRATIONS_GLOB}: run \`node tools/build.js\` first`);
        return (await source.runMigrations({ transaction: 'each' })).map((m) => m.name);
      } finally {
        await source.destroy();
      }
    },
    ssl,
  );
  return { database: databaseName(options.url), created, applied };
}

/** Undoes the newest `count` applied migrations (all by default), newest first; returns their names. */
export async function revertMigrations(url: string, count = Number.MAX_SAFE_INTEGER): Promise<string[]> {
  return withMigrationLock(url, async () => {
    const source = await migrationSource(url).initialize();
    const reverted: string[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const executed = (await source.query(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id DESC LIMIT 1`)) as { name: string }[];
        if (executed.length === 0) break;
        await source.undoLastMigration({ transaction: 'each' });
        reverted.push(executed[0].name);
      }
    } finally {
      await source.destroy();
    }
    return reverted;
  });
}
