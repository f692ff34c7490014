import { hostname } from 'node:os';
import { NATS_NAMESPACE_PATTERN } from '@rl/contracts';
import { describeEnv, envInt, envSigningPrivateKey, envString, envUrl, logLevelEnv, NATS_AUTH_ENV, optional } from '@rl/platform';
import { ANALYTICS_ENV } from '../analytics/analytics-env';
import { ACCESS_ENV } from './access-env';
import { DATABASE_TLS_ENV } from './database-tls-env';
import { ENFORCERS_ENV } from './enforcers-env';

/** Every environment variable the policy service reads, validated once at boot. */
export const POLICY_SERVICE_ENV = {
  PORT: envInt({ min: 1, max: 65_535, default: 8080, description: 'TCP port of the HTTP server (admin API, /docs, health, metrics)' }),
  HOST: envString({
    default: '127.0.0.1',
    pattern: /^[A-Za-z0-9.:-]{1,253}$/,
    patternHint: 'a host name or IP address',
    description: 'Address the HTTP server binds to (0.0.0.0 for all interfaces)',
  }),
  DATABASE_URL: envUrl({
    protocols: ['postgres:', 'postgresql:'],
    default: 'postgres://postgres@127.0.0.1:5432/ratelimit',
    sensitive: true,
    description: 'PostgreSQL database of the control plane; create and migrate it with `npm run migrate` first',
  }),
  DATABASE_ROLE: envString({
    default: 'rl_policy_service',
    pattern: /^[a-z_][a-z0-9_]{0,62}$/,
    patternHint: 'a role name from [a-z0-9_]',
    description:
      'Role every connection switches to (SET ROLE); the migrations grant it no UPDATE/DELETE on the audit log. Set it to the login user to skip the switch',
  }),
  DATABASE_POOL_SIZE: envInt({ min: 1, max: 100, default: 10, description: 'Maximum PostgreSQL connections (one more is used by the outbox LISTEN)' }),
  ...DATABASE_TLS_ENV,
  NATS_URL: envUrl({ protocols: ['nats:', 'tls:'], default: 'nats://127.0.0.1:4222', description: 'NATS server with JetStream' }),
  NATS_NAMESPACE: envString({
    default: 'rl',
    pattern: NATS_NAMESPACE_PATTERN,
    patternHint: '1 to 32 characters from [a-z0-9_-]',
    description: 'Prefix of the NATS subjects and stream (`<ns>.policy.changes`, stream `<NS>_POLICY_CHANGES`)',
  }),
  ...NATS_AUTH_ENV,
  ADMIN_TOKEN: optional(
    envString({
      pattern: /^[\x21-\x7e]{1,256}$/,
      patternHint: '1 to 256 visible ASCII characters',
      sensitive: true,
      description:
        'An admin API token. Stored as its SHA-256 on boot (a changed value replaces the previous one); required while the database holds no active admin key',
    }),
  ),
  // Signed control messages (issue 13).
  POLICY_SIGNING_PRIVATE_KEY: envSigningPrivateKey({
    description:
      'Ed25519 private key (PKCS#8 DER in base64, or PEM) that signs every policy change published to NATS and every snapshot served; enforcers verify with POLICY_SIGNING_PUBLIC_KEYS. Its key id is derived from it',
  }),
  OUTBOX_POLL_MS: envInt({
    min: 10,
    max: 60_000,
    default: 100,
    description: 'How often the outbox relay looks for unsent changes; commits also wake it at once (in-process and LISTEN/NOTIFY)',
  }),
  OUTBOX_BATCH_SIZE: envInt({ min: 1, max: 10_000, default: 100, description: 'Outbox rows the relay publishes per round' }),
  SHUTDOWN_DRAIN_MS: envInt({
    min: 0,
    max: 60_000,
    default: 0,
    description: 'After SIGTERM, how long /readyz reports 503 before the server stops taking requests',
  }),
  CONSOLE_DIR: envString({
    default: 'dist/console',
    pattern: /^[^\0\r\n]{1,1024}$/,
    patternHint: 'a directory path of 1 to 1024 characters',
    description: 'Directory of the built admin console (`npm run build`), served at `/`; relative paths start at the working directory',
  }),
  RECONCILER_URL: envUrl({
    protocols: ['http:', 'https:'],
    default: 'http://127.0.0.1:8090',
    description: 'Base URL of the reconciler, which GET /v1/global-usage (the console\'s per-region view) forwards to',
  }),
  RECONCILER_TIMEOUT_MS: envInt({
    min: 100,
    max: 60_000,
    default: 2000,
    description: 'How long GET /v1/global-usage waits for the reconciler before answering 502',
  }),
  ...ENFORCERS_ENV,
  INSTANCE_ID: envString({
    default: { compute: () => `${hostname()}-${process.pid}`, text: '<hostname>-<pid>' },
    pattern: /^[A-Za-z0-9._-]{1,128}$/,
    patternHint: '1 to 128 characters from [A-Za-z0-9._-]',
    description: 'Name of this process in logs and in the NATS connection name',
  }),
  ...ACCESS_ENV,
  ...ANALYTICS_ENV,
  LOG_LEVEL: logLevelEnv(),
};

/** The policy service's config table (name, default, description), for the README. */
export const POLICY_SERVICE_CONFIG_DOC = describeEnv(POLICY_SERVICE_ENV);
