import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestPki, startPostgresServer, type PostgresServerHandle, type TestPki } from '@rl/devstack';
import { createLogger, loadEnv } from '@rl/platform';
import { TEST_POSTGRES_SERVER } from '@rl/testing';
import { DATABASE_TLS_ENV, databaseTlsSettings, type DatabaseTlsSettings } from '../config/database-tls-env';
import { ApiClient } from '../testing/api-client';
import { createTestApp, TEST_ADMIN_TOKEN } from '../testing/create-test-app';
import { connectTestNats, deletePolicyChangesStream, testNamespace } from '../testing/nats-streams';
import { migrateDatabase } from './migrations';
import { DatabaseSetupError, openDatabase } from './open-database';
import { pgSslOptions } from './pg-ssl';

const logger = createLogger({ service: 'policy-service', level: 'silent' });

function tls(env: Record<string, string>): DatabaseTlsSettings {
  return databaseTlsSettings(loadEnv(DATABASE_TLS_ENV, env));
}

/** Whether the connection the query runs on is encrypted, as the server sees it. */
const ENCRYPTED = 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()';

describe('DATABASE_SSL_MODE against a PostgreSQL server that accepts TLS only', () => {
  let pki: TestPki;
  let server: PostgresServerHandle;
  let databaseUrl: string;
  const namespace = testNamespace();

  /** The same database, addressed by an IP the server certificate does not name. */
  const unnamedHost = (): string => databaseUrl.replace('127.0.0.1', '127.0.0.2');

  beforeAll(async () => {
    pki = createTestPki();
    server = await startPostgresServer({ tls: { certFile: pki.trusted.serverCertFile, keyFile: pki.trusted.serverKeyFile }, listenAddresses: ['127.0.0.1', '127.0.0.2'] });
    databaseUrl = server.url.replace(/\/postgres$/, '/ratelimit_tls');
    const migrated = await migrateDatabase({ url: databaseUrl, ssl: pgSslOptions(tls({ DATABASE_SSL_MODE: 'verify-full', DATABASE_SSL_CA_FILE: pki.trusted.caFile })) });
    expect(migrated.created).toBe(true);
    expect(migrated.applied.length).toBeGreaterThan(0);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    pki?.remove();
    const nc = await connectTestNats();
    await deletePolicyChangesStream(nc, namespace);
    await nc.close();
  });

  it('the policy service runs over verified TLS (verify-full): every pool connection is encrypted', async () => {
    let app: NestFastifyApplication | undefined;
    try {
      ({ app } = await createTestApp({ databaseUrl, namespace, env: { DATABASE_SSL_MODE: 'verify-full', DATABASE_SSL_CA_FILE: pki.trusted.caFile } }));
      const api = new ApiClient(app, TEST_ADMIN_TOKEN);
      const created = await api.post('/v1/policies', { id: 'over-tls', match: { customerTier: 'tls' }, algorithm: 'gcra', limit: 10, windowSeconds: 1 });
      expect(created.statusCode).toBe(201);
      expect((await api.get('/readyz')).statusCode).toBe(200);
    } finally {
      await app?.close();
    }
    // As the login user (no role switch), which may read its own row of pg_stat_ssl.
    const source = await openDatabase({ url: databaseUrl, role: 'postgres', poolSize: 1, tls: tls({ DATABASE_SSL_MODE: 'verify-full', DATABASE_SSL_CA_FILE: pki.trusted.caFile }) }, logger);
    try {
      expect(await source.query(ENCRYPTED)).toEqual([{ ssl: true }]);
    } finally {
      await source.destroy();
    }
  });

  it('require encrypts without checking the certificate', async () => {
    const source = await openDatabase({ url: databaseUrl, role: 'postgres', poolSize: 1, tls: tls({ DATABASE_SSL_MODE: 'require' }) }, logger);
    try {
      expect(await source.query(ENCRYPTED)).toEqual([{ ssl: true }]);
    } finally {
      await source.destroy();
    }
  });

  it('a certificate from another CA is refused at boot, naming DATABASE_SSL_CA_FILE', async () => {
    const attempt = openDatabase({ url: databaseUrl, role: 'rl_policy_service', poolSize: 1, tls: tls({ DATABASE_SSL_MODE: 'verify-ca', DATABASE_SSL_CA_FILE: pki.other.caFile }) }, logger);
    await expect(attempt).rejects.toThrow(DatabaseSetupError);
    await expect(
      openDatabase({ url: databaseUrl, role: 'rl_policy_service', poolSize: 1, tls: tls({ DATABASE_SSL_MODE: 'verify-ca', DATABASE_SSL_CA_FILE: pki.other.caFile }) }, logger),
    ).rejects.toThrow(`the PostgreSQL server's certificate does not verify against the CA in DATABASE_SSL_CA_FILE (${pki.other.caFile}) (DATABASE_SSL_MODE verify-ca)`);
  });

  it('verify-full also checks the host name; verify-ca does not', async () => {
    const verifyCa = await openDatabase({ url: unnamedHost(), role: 'rl_policy_service', poolSize: 1, tls: tls({ DATABASE_SSL_MODE: 'verify-ca', DATABASE_SSL_CA_FILE: pki.trusted.caFile }) }, logger);
    await verifyCa.destroy();
    await expect(
      openDatabase({ url: unnamedHost(), role: 'rl_policy_service', poolSize: 1, tls: tls({ DATABASE_SSL_MODE: 'verify-full', DATABASE_SSL_CA_FILE: pki.trusted.caFile }) }, logger),
    ).rejects.toThrow(/does not verify against the CA in DATABASE_SSL_CA_FILE .*127\.0\.0\.2/);
  });

  it('disable: the server refuses the plaintext connection (nothing is sent unencrypted)', async () => {
    await expect(openDatabase({ url: databaseUrl, role: 'rl_policy_service', poolSize: 1, tls: tls({}) }, logger)).rejects.toThrow(/no encryption/);
  });

  it('require against a server without TLS fails clearly instead of falling back to plaintext', async () => {
    await expect(openDatabase({ url: `${TEST_POSTGRES_SERVER}/postgres`, role: 'postgres', poolSize: 1, tls: tls({ DATABASE_SSL_MODE: 'require' }) }, logger)).rejects.toThrow(
      /^DATABASE_SSL_MODE is require but the PostgreSQL server does not offer TLS; nothing is sent in plaintext/,
    );
  });
});
