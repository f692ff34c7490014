import type { FailureMode, PolicyAlgorithm } from '@rl/contracts';
import { loadEnv, type EnvValues, type LogLevel } from '@rl/platform';
import { ENFORCER_ENV } from './enforcer-env';

export interface RedisSettings {
  /** Used when `clusterNodes` is undefined. */
  readonly url: string;
  /** `host:port` seed nodes; set means cluster mode. */
  readonly clusterNodes: readonly string[] | undefined;
  readonly commandTimeoutMs: number;
}

export interface DefaultPolicySettings {
  readonly limit: number;
  readonly windowSeconds: number;
  readonly algorithm: PolicyAlgorithm;
  readonly failureMode: FailureMode;
}

/** The enforcer's validated configuration, read through typed fields. Build it with `fromEnv`. */
export class EnforcerConfig {
  readonly port: number;
  readonly host: string;
  readonly region: string;
  readonly instanceId: string;
  readonly logLevel: LogLevel;
  readonly redis: RedisSettings;
  readonly policyFile: string | undefined;
  readonly defaultPolicy: DefaultPolicySettings;
  readonly degradedLimitPercent: number;
  readonly shutdownDrainMs: number;

  private constructor(env: EnvValues<typeof ENFORCER_ENV>) {
    this.port = env.PORT;
    this.host = env.HOST;
    this.region = env.REGION;
    this.instanceId = env.INSTANCE_ID;
    this.logLevel = env.LOG_LEVEL;
    this.redis = {
      url: env.REDIS_URL,
      clusterNodes: env.REDIS_CLUSTER_NODES?.map((node) => `${node.host}:${node.port}`),
      commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
    };
    this.policyFile = env.POLICY_FILE;
    this.defaultPolicy = {
      limit: env.DEFAULT_POLICY_LIMIT,
      windowSeconds: env.DEFAULT_POLICY_WINDOW_SECONDS,
      algorithm: env.DEFAULT_POLICY_ALGORITHM,
      failureMode: env.DEFAULT_POLICY_FAILURE_MODE,
    };
    this.degradedLimitPercent = env.DEGRADED_LIMIT_PERCENT;
    this.shutdownDrainMs = env.SHUTDOWN_DRAIN_MS;
  }

  /** Validates every variable at once; throws a ConfigError naming each bad or missing one. */
  static fromEnv(source: Readonly<Record<string, string | undefined>>): EnforcerConfig {
    return new EnforcerConfig(loadEnv(ENFORCER_ENV, source));
  }

  /** The URL the server is reachable at, for the startup log line. */
  get listenUrl(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.port}`;
  }
}
