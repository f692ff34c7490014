import { envEnum, envFile, optional, pemCheck, tlsFileProblems, type EnvFile, type EnvValues } from '@rl/platform';

/** libpq's names, with its meaning: `require` encrypts without checking the server; the `verify-*` modes check it. */
export const DATABASE_SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type DatabaseSslMode = (typeof DATABASE_SSL_MODES)[number];

/** TLS to PostgreSQL (part of POLICY_SERVICE_ENV, and of `npm run migrate`'s). */
export const DATABASE_TLS_ENV = {
  DATABASE_SSL_MODE: envEnum({
    values: DATABASE_SSL_MODES,
    default: 'disable',
    description:
      "TLS to PostgreSQL: disable, require (encrypted, server not checked), verify-ca (server certificate chains to the CA), verify-full (and names the DATABASE_URL host); never falls back to plaintext",
  }),
  DATABASE_SSL_CA_FILE: optional(
    envFile({
      check: pemCheck(['CERTIFICATE'], 'one or more CA certificates'),
      description: "CA certificates (PEM) the PostgreSQL server's certificate must chain to, with DATABASE_SSL_MODE verify-ca or verify-full; the system's CAs when unset",
    }),
  ),
};

export interface DatabaseTlsSettings {
  readonly mode: DatabaseSslMode;
  readonly ca: EnvFile | undefined;
}

export function databaseTlsSettings(env: EnvValues<typeof DATABASE_TLS_ENV>): DatabaseTlsSettings {
  return { mode: env.DATABASE_SSL_MODE, ca: env.DATABASE_SSL_CA_FILE };
}

const URL_SSL_PARAMETERS = ['ssl', 'sslmode', 'sslrootcert', 'sslcert', 'sslkey'];

/** Problems across variables: TLS set in two places, or a CA file that would not be used. */
export function databaseTlsProblems(env: EnvValues<typeof DATABASE_TLS_ENV> & { readonly DATABASE_URL: string }): string[] {
  const problems = tlsFileProblems({ ca: { variable: 'DATABASE_SSL_CA_FILE', file: env.DATABASE_SSL_CA_FILE } });
  const inUrl = URL_SSL_PARAMETERS.filter((name) => new URL(env.DATABASE_URL).searchParams.has(name));
  if (inUrl.length > 0) problems.push(`DATABASE_URL must not carry ${inUrl.join(', ')}: set DATABASE_SSL_MODE and DATABASE_SSL_CA_FILE instead`);
  if (env.DATABASE_SSL_CA_FILE !== undefined && (env.DATABASE_SSL_MODE === 'disable' || env.DATABASE_SSL_MODE === 'require')) {
    problems.push(`DATABASE_SSL_CA_FILE needs DATABASE_SSL_MODE verify-ca or verify-full (it is ${env.DATABASE_SSL_MODE}: the CA would not be checked)`);
  }
  return problems;
}
