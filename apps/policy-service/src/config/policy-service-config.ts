import { resolve } from 'node:path';
import { assertNamespace } from '@rl/contracts';
import { ConfigError, loadEnv, natsTransportProblems, natsTransportSettings, urlForLogs, type EnvValues, type LogLevel, type MessageSigner, type NatsTransportSettings } from '@rl/platform';
import { analyticsSettings, type AnalyticsSettings } from '../analytics/analytics-env';
import { accessProblems, accessSettings, type AccessSettings } from './access-env';
import { databaseTlsProblems, databaseTlsSettings, type DatabaseTlsSettings } from './database-tls-env';
import { enforcerProblems, enforcerSettings, type EnforcerSettings } from './enforcers-env';
import { POLICY_SERVICE_ENV } from './policy-service-env';

export interface DatabaseSettings {
  readonly url: string;
  readonly role: string;
  readonly poolSize: number;
  /** DATABASE_SSL_MODE and its CA, for every connection; no TLS when undefined. */
  readonly tls?: DatabaseTlsSettings;
}

export interface NatsSettings {
  readonly url: string;
  /** Validated with assertNamespace: subjects and the stream name are built from it. */
  readonly namespace: string;
  /** Credentials and TLS (NATS_CREDS, NATS_USER, NATS_TLS_*, ...). */
  readonly transport: NatsTransportSettings;
}

export interface OutboxSettings {
  readonly pollMs: number;
  readonly batchSize: number;
}

export interface ConsoleSettings {
  /** Absolute directory of the built admin console (index.html and assets), served at `/`. */
  readonly dir: string;
}

export interface ReconcilerSettings {
  /** Base URL without a trailing slash; GET /v1/global-usage forwards to `<url>/v1/global/usage`. */
  readonly url: string;
  readonly timeoutMs: number;
  /** Sent as `Authorization: Bearer <token>` (RECONCILER_API_TOKEN); nothing when undefined. */
  readonly token: string | undefined;
}

/** The policy service's validated configuration, read through typed fields. Build it with `fromEnv`. */
export class PolicyServiceConfig {
  readonly port: number;
  readonly host: string;
  readonly instanceId: string;
  readonly logLevel: LogLevel;
  readonly database: DatabaseSettings;
  readonly nats: NatsSettings;
  readonly adminToken: string | undefined;
  /** Signs policy changes (outbox relay) and snapshots (POLICY_SIGNING_PRIVATE_KEY); prints as its key id only. */
  readonly policySigner: MessageSigner;
  readonly outbox: OutboxSettings;
  readonly shutdownDrainMs: number;
  /** Decision-event rollups (see src/analytics). */
  readonly analytics: AnalyticsSettings;
  readonly console: ConsoleSettings;
  readonly reconciler: ReconcilerSettings;
  /** The enforcers' key and the block confirmation thresholds. */
  readonly access: AccessSettings;
  /** Each region's enforcer, for the counter inspector (ENFORCER_URLS, ENFORCER_INTERNAL_TOKEN). */
  readonly enforcers: EnforcerSettings;

  private constructor(env: EnvValues<typeof POLICY_SERVICE_ENV>) {
    this.port = env.PORT;
    this.host = env.HOST;
    this.instanceId = env.INSTANCE_ID;
    this.logLevel = env.LOG_LEVEL;
    this.database = { url: env.DATABASE_URL, role: env.DATABASE_ROLE, poolSize: env.DATABASE_POOL_SIZE, tls: databaseTlsSettings(env) };
    this.nats = { url: env.NATS_URL, namespace: assertNamespace(env.NATS_NAMESPACE), transport: natsTransportSettings(env.NATS_URL, env) };
    this.adminToken = env.ADMIN_TOKEN;
    this.policySigner = env.POLICY_SIGNING_PRIVATE_KEY;
    this.outbox = { pollMs: env.OUTBOX_POLL_MS, batchSize: env.OUTBOX_BATCH_SIZE };
    this.shutdownDrainMs = env.SHUTDOWN_DRAIN_MS;
    this.analytics = analyticsSettings(env);
    this.console = { dir: resolve(env.CONSOLE_DIR) };
    this.reconciler = { url: env.RECONCILER_URL.replace(/\/+$/, ''), timeoutMs: env.RECONCILER_TIMEOUT_MS, token: env.RECONCILER_API_TOKEN };
    this.access = accessSettings(env);
    this.enforcers = enforcerSettings(env);
  }

  /** Validates every variable at once; throws a ConfigError naming each bad or missing one. */
  static fromEnv(source: Readonly<Record<string, string | undefined>>): PolicyServiceConfig {
    const env = loadEnv(POLICY_SERVICE_ENV, source);
    const problems = [...databaseTlsProblems(env), ...natsTransportProblems(env.NATS_URL, env), ...accessProblems(env), ...enforcerProblems(env)];
    if (problems.length > 0) throw new ConfigError(problems);
    return new PolicyServiceConfig(env);
  }

  /** The URL the server is reachable at, for the startup log line. */
  get listenUrl(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.port}`;
  }

  /** DATABASE_URL with any password masked, for logs. */
  get databaseUrlForLogs(): string {
    return urlForLogs(this.database.url);
  }
}
