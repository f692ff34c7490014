import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FailureMode, PolicyAlgorithm } from '@rl/contracts';
import { ConfigError, loadEnv, natsTransportProblems, natsTransportSettings, type EnvValues, type LogLevel, type MessageVerifier, type NatsTransportSettings } from '@rl/platform';
import type { HotKeySettings, RedisSettings } from '@rl/decision-pipeline';
import { decisionEventSettings, type DecisionEventSettings } from '../events/events-env';
import { hotKeySettings } from '../hot-keys/hot-key-env';
import { ENFORCER_ENV } from './enforcer-env';
import { signingProblems, signingSettings, type SigningSettings } from './signing-env';
import { redisTlsProblems, redisTlsSettings } from './redis-tls-env';

export interface DefaultPolicySettings {
  readonly limit: number;
  readonly windowSeconds: number;
  readonly algorithm: PolicyAlgorithm;
  readonly failureMode: FailureMode;
}

export interface NatsSettings {
  readonly url: string;
  /** Prefix of subjects and stream names (NATS_NAMESPACE). */
  readonly namespace: string;
  /** Credentials and TLS (NATS_CREDS, NATS_USER, NATS_TLS_*, ...): pass to every NatsConnector; none when undefined. */
  readonly transport?: NatsTransportSettings;
}

/** Where policies come from when the control plane is the source (POLICY_SERVICE_URL set). */
export interface ControlPlaneSettings {
  /** Base URL of the policy service, without a trailing slash. */
  readonly policyServiceUrl: string;
  readonly policyServiceToken: string;
  readonly cacheFile: string;
  /** 0 turns the periodic re-read off. */
  readonly resyncIntervalSeconds: number;
  readonly nats: NatsSettings;
  /** Changes and snapshots apply only if signed by one of these keys (POLICY_SIGNING_PUBLIC_KEYS). */
  readonly policyKeys: MessageVerifier;
}

/** Envoy's rate-limit gRPC service (ENVOY_GRPC_PORT set); see src/envoy. */
export interface EnvoyGrpcSettings {
  readonly host: string;
  readonly port: number;
}

/** Global limits (policies with scope "global"): usage reports and the static split. */
export interface GlobalLimitSettings {
  /** How often usage reports are published (GLOBAL_SYNC_INTERVAL_MS). */
  readonly syncIntervalMs: number;
  /** Every region sharing global limits, this one included (GLOBAL_REGIONS; default: REGION alone). */
  readonly regions: readonly string[];
}

/** The enforcer's validated configuration, read through typed fields. Build it with `fromEnv`. */
export class EnforcerConfig {
  readonly port: number;
  readonly host: string;
  /** Undefined when ENVOY_GRPC_PORT is unset: no gRPC server. */
  readonly envoyGrpc: EnvoyGrpcSettings | undefined;
  /** ENVOY_RATELIMIT_CONFIG_DIR: envoyproxy/ratelimit files decide their domains; undefined: imported rules come from the policy source. */
  readonly envoyConfigDir: string | undefined;
  readonly region: string;
  readonly instanceId: string;
  readonly logLevel: LogLevel;
  readonly redis: RedisSettings;
  readonly policyFile: string | undefined;
  /** Set when POLICY_SERVICE_URL is: policies then come from the control plane. */
  readonly controlPlane: ControlPlaneSettings | undefined;
  readonly nats: NatsSettings;
  readonly global: GlobalLimitSettings;
  readonly defaultPolicy: DefaultPolicySettings;
  readonly degradedLimitPercent: number;
  readonly enforcerInstances: number;
  /**
   * Percent of a policy's limit and burst this instance's local bucket admits while the store is
   * down: DEGRADED_LIMIT_PERCENT split evenly across ENFORCER_INSTANCES (may be fractional).
   */
  readonly localLimitPercent: number;
  readonly shutdownDrainMs: number;
  /** Decisions in flight at most; past it requests get 503 `overloaded` (ENFORCER_MAX_IN_FLIGHT). */
  readonly maxInFlight: number;
  /** Bearer token of the internal routes (INTERNAL_API_TOKEN); undefined: they are off. */
  readonly internalApiToken: string | undefined;
  /** Automatic blocks: `threshold` 0 turns them off. */
  readonly escalation: { readonly threshold: number; readonly windowMs: number; readonly blockSeconds: number };
  /** Hot-key leases and the deny cache (HOTKEY_*, DENY_CACHE_*). */
  readonly hotKeys: HotKeySettings;
  /** Decision events to NATS (see src/events). */
  readonly events: DecisionEventSettings;
  /** Keys of the signed control messages (POLICY_/ALLOCATION_SIGNING_PUBLIC_KEYS, USAGE_SIGNING_PRIVATE_KEY). */
  readonly signing: SigningSettings;

  private constructor(env: EnvValues<typeof ENFORCER_ENV>) {
    this.port = env.PORT;
    this.host = env.HOST;
    this.envoyGrpc = env.ENVOY_GRPC_PORT === undefined ? undefined : { host: env.ENVOY_GRPC_HOST ?? env.HOST, port: env.ENVOY_GRPC_PORT };
    this.envoyConfigDir = env.ENVOY_RATELIMIT_CONFIG_DIR;
    this.region = env.REGION;
    this.instanceId = env.INSTANCE_ID;
    this.logLevel = env.LOG_LEVEL;
    this.redis = {
      url: env.REDIS_URL,
      clusterNodes: env.REDIS_CLUSTER_NODES?.map((node) => `${node.host}:${node.port}`),
      sentinels:
        env.REDIS_SENTINELS === undefined
          ? undefined
          : { nodes: env.REDIS_SENTINELS.map((node) => `${node.host}:${node.port}`), masterName: env.REDIS_SENTINEL_MASTER, password: env.REDIS_SENTINEL_PASSWORD },
      auth: { username: env.REDIS_USERNAME, password: env.REDIS_PASSWORD },
      tls: redisTlsSettings(env),
      commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
      fallbackUrl: env.REDIS_FALLBACK_URL,
      breaker: {
        failureThreshold: env.BREAKER_FAILURE_THRESHOLD,
        failureWindowMs: env.BREAKER_FAILURE_WINDOW_MS,
        cooldownMs: env.BREAKER_COOLDOWN_MS,
        cooldownJitterMs: env.BREAKER_COOLDOWN_JITTER_MS,
      },
    };
    this.policyFile = env.POLICY_FILE;
    this.nats = { url: env.NATS_URL, namespace: env.NATS_NAMESPACE, transport: natsTransportSettings(env.NATS_URL, env) };
    this.global = { syncIntervalMs: env.GLOBAL_SYNC_INTERVAL_MS, regions: env.GLOBAL_REGIONS?.split(',') ?? [env.REGION] };
    this.signing = signingSettings(env);
    const policyKeys = this.signing.policy;
    this.controlPlane =
      env.POLICY_SERVICE_URL === undefined || policyKeys === undefined
        ? undefined
        : {
            policyServiceUrl: env.POLICY_SERVICE_URL.replace(/\/+$/, ''),
            policyServiceToken: env.POLICY_SERVICE_TOKEN ?? '',
            cacheFile: env.POLICY_CACHE_FILE ?? join(tmpdir(), `rl-enforcer-${env.REGION}-${env.PORT}-policies.json`),
            resyncIntervalSeconds: env.POLICY_RESYNC_INTERVAL_SECONDS,
            nats: this.nats,
            policyKeys,
          };
    this.defaultPolicy = {
      limit: env.DEFAULT_POLICY_LIMIT,
      windowSeconds: env.DEFAULT_POLICY_WINDOW_SECONDS,
      algorithm: env.DEFAULT_POLICY_ALGORITHM,
      failureMode: env.DEFAULT_POLICY_FAILURE_MODE,
    };
    this.degradedLimitPercent = env.DEGRADED_LIMIT_PERCENT;
    this.enforcerInstances = env.ENFORCER_INSTANCES;
    this.localLimitPercent = env.DEGRADED_LIMIT_PERCENT / env.ENFORCER_INSTANCES;
    this.shutdownDrainMs = env.SHUTDOWN_DRAIN_MS;
    this.maxInFlight = env.ENFORCER_MAX_IN_FLIGHT;
    this.internalApiToken = env.INTERNAL_API_TOKEN;
    this.escalation = { threshold: env.ESCALATION_THRESHOLD, windowMs: env.ESCALATION_WINDOW_SECONDS * 1000, blockSeconds: env.ESCALATION_BLOCK_SECONDS };
    this.hotKeys = hotKeySettings(env);
    this.events = decisionEventSettings(env);
  }

  /** Validates every variable at once; throws a ConfigError naming each bad or missing one. */
  static fromEnv(source: Readonly<Record<string, string | undefined>>): EnforcerConfig {
    const env = loadEnv(ENFORCER_ENV, source);
    const problems: string[] = [...redisTlsProblems(env), ...natsTransportProblems(env.NATS_URL, env)];
    if (env.POLICY_SERVICE_URL !== undefined && env.POLICY_FILE !== undefined) {
      problems.push('POLICY_FILE and POLICY_SERVICE_URL exclude each other (set one policy source)');
    }
    if (env.POLICY_SERVICE_URL !== undefined && env.POLICY_SERVICE_TOKEN === undefined) {
      problems.push('POLICY_SERVICE_TOKEN is required when POLICY_SERVICE_URL is set');
    }
    if (env.ENVOY_GRPC_HOST !== undefined && env.ENVOY_GRPC_PORT === undefined) {
      problems.push('ENVOY_GRPC_HOST needs ENVOY_GRPC_PORT (the gRPC server is off without a port)');
    }
    if (env.ENVOY_GRPC_PORT === env.PORT) problems.push('ENVOY_GRPC_PORT must differ from PORT');
    if (env.ENVOY_RATELIMIT_CONFIG_DIR !== undefined && env.POLICY_SERVICE_URL !== undefined) {
      problems.push('ENVOY_RATELIMIT_CONFIG_DIR and POLICY_SERVICE_URL exclude each other (import the files with POST /v1/imports/envoy-ratelimit instead)');
    }
    if (env.REDIS_CLUSTER_NODES !== undefined && env.REDIS_SENTINELS !== undefined) problems.push('REDIS_CLUSTER_NODES and REDIS_SENTINELS exclude each other (set one topology)');
    // Both would apply to one connection, and ioredis lets the variable win silently.
    for (const [name, url] of [['REDIS_URL', env.REDIS_URL], ['REDIS_FALLBACK_URL', env.REDIS_FALLBACK_URL]] as const) {
      if (url === undefined) continue;
      const parsed = new URL(url);
      if (env.REDIS_PASSWORD !== undefined && parsed.password !== '') problems.push(`REDIS_PASSWORD and a password in ${name} exclude each other (set it in one place)`);
      if (env.REDIS_USERNAME !== undefined && parsed.username !== '') problems.push(`REDIS_USERNAME and a user in ${name} exclude each other (set it in one place)`);
    }
    if (env.REDIS_SENTINEL_PASSWORD !== undefined && env.REDIS_SENTINELS === undefined) problems.push('REDIS_SENTINEL_PASSWORD needs REDIS_SENTINELS');
    const globalRegions = env.GLOBAL_REGIONS?.split(',');
    if (globalRegions !== undefined && !globalRegions.includes(env.REGION)) problems.push(`GLOBAL_REGIONS must include this REGION (${env.REGION})`);
    if (globalRegions !== undefined && new Set(globalRegions).size !== globalRegions.length) problems.push('GLOBAL_REGIONS must not name a region twice');
    problems.push(...signingProblems(env));
    if (problems.length > 0) throw new ConfigError(problems);
    return new EnforcerConfig(env);
  }

  /** The URL the server is reachable at, for the startup log line. */
  get listenUrl(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.port}`;
  }
}
