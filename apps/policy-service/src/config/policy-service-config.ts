import { resolve } from 'node:path';
import { assertNamespace } from '@rl/contracts';
import { loadEnv, type EnvValues, type LogLevel, type MessageSigner } from '@rl/platform';
import { analyticsSettings, type AnalyticsSettings } from '../analytics/analytics-env';
import { POLICY_SERVICE_ENV } from './policy-service-env';

export interface DatabaseSettings {
  readonly url: string;
  readonly role: string;
  readonly poolSize: number;
}

export interface NatsSettings {
  readonly url: string;
  /** Validated with assertNamespace: subjects and the stream name are built from it. */
  readonly namespace: string;
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

  private constructor(env: EnvValues<typeof POLICY_SERVICE_ENV>) {
    this.port = env.PORT;
    this.host = env.HOST;
    this.instanceId = env.INSTANCE_ID;
    this.logLevel = env.LOG_LEVEL;
    this.database = { url: env.DATABASE_URL, role: env.DATABASE_ROLE, poolSize: env.DATABASE_POOL_SIZE };
    this.nats = { url: env.NATS_URL, namespace: assertNamespace(env.NATS_NAMESPACE) };
    this.adminToken = env.ADMIN_TOKEN;
    this.policySigner = env.POLICY_SIGNING_PRIVATE_KEY;
    this.outbox = { pollMs: env.OUTBOX_POLL_MS, batchSize: env.OUTBOX_BATCH_SIZE };
    this.shutdownDrainMs = env.SHUTDOWN_DRAIN_MS;
    this.analytics = analyticsSettings(env);
    this.console = { dir: resolve(env.CONSOLE_DIR) };
    this.reconciler = { url: env.RECONCILER_URL.replace(/\/+$/, ''), timeoutMs: env.RECONCILER_TIMEOUT_MS };
  }

  /** Validates every variable at once; throws a ConfigError naming each bad or missing one. */
  static fromEnv(source: Readonly<Record<string, string | undefined>>): PolicyServiceConfig {
    return new PolicyServiceConfig(loadEnv(POLICY_SERVICE_ENV, source));
  }

  /** The URL the server is reachable at, for the startup log line. */
  get listenUrl(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.port}`;
  }

  /** DATABASE_URL with any password masked, for logs. */
  get databaseUrlForLogs(): string {
    const url = new URL(this.database.url);
    if (url.password !== '') url.password = '***';
    return url.href;
  }
}
