import type { DatabaseTlsSettings } from '../config/database-tls-env';

/** The `ssl` option of `pg` (and of TypeORM's postgres driver, which hands it to `pg`). */
export type PgSsl = false | { readonly rejectUnauthorized: boolean; readonly ca?: string; readonly checkServerIdentity?: () => undefined };

/**
 * The `ssl` option of every `pg` connection (the pool, the outbox LISTEN connection, migrations)
 * for DATABASE_SSL_MODE. With TLS on, a server that does not offer it is refused: pg never falls
 * back to plaintext once `ssl` is set.
 * - `require`: encrypted; the server's certificate is not checked (libpq's meaning).
 * - `verify-ca`: the certificate must chain to DATABASE_SSL_CA_FILE (or the system's CAs); any host name.
 * - `verify-full`: as verify-ca, and the certificate must name the host of DATABASE_URL.
 */
export function pgSslOptions(tls: DatabaseTlsSettings | undefined): PgSsl {
  if (tls === undefined) return false;
  switch (tls.mode) {
    case 'disable':
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      return { rejectUnauthorized: true, ...(tls.ca === undefined ? {} : { ca: tls.ca.text }), checkServerIdentity: () => undefined };
    case 'verify-full':
      return { rejectUnauthorized: true, ...(tls.ca === undefined ? {} : { ca: tls.ca.text }) };
  }
}
