import { nkeys } from 'nats';
import type { EnvValues } from '../config/env-var';
import { envFile, envString, optional, pemCheck } from '../config/env-vars';
import { tlsFileProblems } from '../config/tls-files';
import type { NatsCredentials, NatsTransportSettings } from './nats-auth';

const CREDS_FILE = /-----BEGIN NATS USER JWT-----[\s\S]+-----BEGIN USER NKEY SEED-----/;
const VISIBLE = /^[\x21-\x7e]{1,1024}$/;
const VISIBLE_HINT = '1 to 1024 printable ASCII characters without spaces';

/**
 * How every service authenticates to NATS and secures the connection: one block, spread into each
 * service's config next to its NATS_URL, and read with `natsTransportSettings`. Files are read and
 * checked at boot, so a missing or wrong file stops the service naming the variable.
 */
export const NATS_AUTH_ENV = {
  NATS_CREDS: optional(
    envFile({
      check: (text) => (CREDS_FILE.test(text) ? undefined : 'must be a NATS credentials file (a user JWT, then its NKey seed, as `nsc generate creds` writes)'),
      description: 'NATS credentials file (user JWT and NKey seed); set one of NATS_CREDS, NATS_NKEY_SEED, NATS_USER + NATS_PASSWORD or NATS_TOKEN when the server requires authentication',
    }),
  ),
  NATS_USER: optional(envString({ pattern: VISIBLE, patternHint: VISIBLE_HINT, description: 'NATS user name, with NATS_PASSWORD' })),
  NATS_PASSWORD: optional(envString({ sensitive: true, pattern: VISIBLE, patternHint: VISIBLE_HINT, description: 'Password of NATS_USER' })),
  NATS_TOKEN: optional(envString({ sensitive: true, pattern: VISIBLE, patternHint: VISIBLE_HINT, description: 'NATS authentication token' })),
  NATS_NKEY_SEED: optional(
    envString({
      sensitive: true,
      pattern: /^SU[A-Z2-7]{56}$/,
      patternHint: 'a user NKey seed (SU and 56 base32 characters, from `nk -gen user`)',
      description: "Seed of this service's NATS user NKey; the server's configuration holds only its public key (U...)",
    }),
  ),
  NATS_TLS_CA_FILE: optional(
    envFile({
      check: pemCheck(['CERTIFICATE'], 'one or more CA certificates'),
      description: "CA certificates (PEM) the NATS server's certificate must chain to; when set (or NATS_URL is tls://) the connection requires TLS and never falls back to plaintext",
    }),
  ),
  NATS_TLS_CERT_FILE: optional(
    envFile({ check: pemCheck(['CERTIFICATE'], 'a certificate'), description: 'Client certificate (PEM) for a NATS server that verifies clients, with NATS_TLS_KEY_FILE' }),
  ),
  NATS_TLS_KEY_FILE: optional(
    envFile({ check: pemCheck(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY'], 'a private key'), description: 'Private key (PEM) of NATS_TLS_CERT_FILE' }),
  ),
  NATS_INBOX_PREFIX: optional(
    envString({
      pattern: /^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,7}$/,
      patternHint: 'subject tokens from [A-Za-z0-9_-] joined by "."',
      description: "Prefix of this service's reply subjects (nats.js: `_INBOX`); give each NATS user its own, e.g. `_INBOX.reconciler`, and let it subscribe to that only",
    }),
  ),
};

export type NatsAuthEnv = EnvValues<typeof NATS_AUTH_ENV>;

/** The credentials that are set, by the variables that set them (NATS_URL when it carries a user or token). */
function setCredentials(natsUrl: string, env: NatsAuthEnv): string[] {
  const set: string[] = [];
  const url = new URL(natsUrl);
  if (url.username !== '' || url.password !== '') set.push('a user or token in NATS_URL');
  if (env.NATS_CREDS !== undefined) set.push('NATS_CREDS');
  if (env.NATS_USER !== undefined || env.NATS_PASSWORD !== undefined) set.push('NATS_USER');
  if (env.NATS_TOKEN !== undefined) set.push('NATS_TOKEN');
  if (env.NATS_NKEY_SEED !== undefined) set.push('NATS_NKEY_SEED');
  return set;
}

/** What is wrong with the NATS_* auth block as a whole (each variable was checked on its own already). */
export function natsTransportProblems(natsUrl: string, env: NatsAuthEnv): string[] {
  const problems: string[] = [];
  const set = setCredentials(natsUrl, env);
  if (set.length > 1) problems.push(`${set.join(' and ')} exclude each other (authenticate to NATS one way)`);
  if (env.NATS_USER !== undefined && env.NATS_PASSWORD === undefined) problems.push('NATS_USER needs NATS_PASSWORD');
  if (env.NATS_PASSWORD !== undefined && env.NATS_USER === undefined) problems.push('NATS_PASSWORD needs NATS_USER');
  if (env.NATS_NKEY_SEED !== undefined && !isUserSeed(env.NATS_NKEY_SEED)) problems.push('NATS_NKEY_SEED is not a valid user NKey seed (value not shown)');
  problems.push(
    ...tlsFileProblems({
      ca: { variable: 'NATS_TLS_CA_FILE', file: env.NATS_TLS_CA_FILE },
      cert: { variable: 'NATS_TLS_CERT_FILE', file: env.NATS_TLS_CERT_FILE },
      key: { variable: 'NATS_TLS_KEY_FILE', file: env.NATS_TLS_KEY_FILE },
    }),
  );
  return problems;
}

/** The transport settings of a valid block (check `natsTransportProblems` first). */
export function natsTransportSettings(natsUrl: string, env: NatsAuthEnv): NatsTransportSettings {
  const url = new URL(natsUrl);
  let credentials: NatsCredentials = { kind: 'none' };
  if (url.username !== '' || url.password !== '') credentials = { kind: 'url' };
  else if (env.NATS_CREDS !== undefined) credentials = { kind: 'creds', file: env.NATS_CREDS };
  else if (env.NATS_USER !== undefined && env.NATS_PASSWORD !== undefined) credentials = { kind: 'user', user: env.NATS_USER, password: env.NATS_PASSWORD };
  else if (env.NATS_TOKEN !== undefined) credentials = { kind: 'token', token: env.NATS_TOKEN };
  else if (env.NATS_NKEY_SEED !== undefined) credentials = { kind: 'nkey', seed: env.NATS_NKEY_SEED };
  const tlsRequired = url.protocol === 'tls:' || env.NATS_TLS_CA_FILE !== undefined || env.NATS_TLS_CERT_FILE !== undefined;
  const clientCertificate =
    env.NATS_TLS_CERT_FILE !== undefined && env.NATS_TLS_KEY_FILE !== undefined ? { cert: env.NATS_TLS_CERT_FILE, key: env.NATS_TLS_KEY_FILE } : undefined;
  return { credentials, tls: tlsRequired ? { ca: env.NATS_TLS_CA_FILE, clientCertificate } : undefined, inboxPrefix: env.NATS_INBOX_PREFIX };
}

function isUserSeed(seed: string): boolean {
  try {
    return nkeys.fromSeed(new TextEncoder().encode(seed)).getPublicKey().startsWith('U');
  } catch {
    return false;
  }
}
