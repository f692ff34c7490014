import { hostname } from 'node:os';
import { FAILURE_MODES, NATS_NAMESPACE_PATTERN, POLICY_ALGORITHMS } from '@rl/contracts';
import { describeEnv, envEnum, envHostPortList, envInt, envString, envUrl, logLevelEnv, NATS_AUTH_ENV, optional, type EnvVar } from '@rl/platform';
import { DECISION_EVENTS_ENV } from '../events/events-env';
import { HOT_KEY_ENV } from '../hot-keys/hot-key-env';
import { SIGNING_ENV } from './signing-env';
import { ENVOY_RULES_ENV } from './envoy-rules-env';
import { REDIS_TLS_ENV } from './redis-tls-env';

/** An optional variable whose value, when unset, is derived from others (shown as `text` in the docs). */
function derivedDefault<T>(variable: EnvVar<T | undefined>, text: string): EnvVar<T | undefined> {
  return { ...variable, defaultText: text };
}

/** Every environment variable the enforcer reads, validated once at boot. */
export const ENFORCER_ENV = {
  PORT: envInt({ min: 1, max: 65_535, default: 8081, description: 'TCP port of the HTTP server' }),
  HOST: envString({
    default: '127.0.0.1',
    pattern: /^[A-Za-z0-9.:-]{1,253}$/,
    patternHint: 'a host name or IP address',
    description: 'Address the HTTP server binds to (0.0.0.0 for all interfaces)',
  }),
  ENVOY_GRPC_PORT: optional(
    envInt({
      min: 1,
      max: 65_535,
      description: "TCP port of Envoy's rate-limit gRPC service (envoy.service.ratelimit.v3); unset: the gRPC server is off",
    }),
  ),
  ENVOY_GRPC_HOST: derivedDefault(
    optional(
      envString({
        pattern: /^[A-Za-z0-9.:-]{1,253}$/,
        patternHint: 'a host name or IP address',
        description: 'Address the Envoy rate-limit gRPC server binds to (0.0.0.0 for all interfaces); needs ENVOY_GRPC_PORT',
      }),
    ),
    '<HOST>',
  ),
  ...ENVOY_RULES_ENV,
  REGION: envString({
    default: 'us-east',
    pattern: /^[a-z0-9-]{1,32}$/,
    patternHint: '1 to 32 characters from [a-z0-9-]',
    description: 'Region name reported in every decision and metric',
  }),
  REDIS_URL: envUrl({
    protocols: ['redis:', 'rediss:'],
    default: 'redis://127.0.0.1:6380',
    description: 'The regional counter store (ignored when REDIS_CLUSTER_NODES or REDIS_SENTINELS is set)',
  }),
  REDIS_CLUSTER_NODES: optional(
    envHostPortList({ description: 'Comma-separated host:port seed nodes; when set, the counter store is a Redis Cluster' }),
  ),
  REDIS_SENTINELS: optional(
    envHostPortList({ description: 'Comma-separated host:port Redis Sentinels; when set, the counter store is the primary of REDIS_SENTINEL_MASTER, followed across failovers' }),
  ),
  REDIS_SENTINEL_MASTER: envString({
    default: 'mymaster',
    pattern: /^[A-Za-z0-9._-]{1,64}$/,
    patternHint: '1 to 64 characters from [A-Za-z0-9._-]',
    description: 'Name of the Sentinel-monitored primary (with REDIS_SENTINELS)',
  }),
  REDIS_USERNAME: optional(
    envString({
      pattern: /^[\x21-\x7e]{1,256}$/,
      patternHint: '1 to 256 printable ASCII characters without spaces',
      description: 'Redis ACL user of every counter-store connection (REDIS_URL, cluster nodes, the Sentinel-managed primary, REDIS_FALLBACK_URL)',
    }),
  ),
  REDIS_PASSWORD: optional(
    envString({
      sensitive: true,
      pattern: /^[\x21-\x7e]{1,1024}$/,
      patternHint: '1 to 1024 printable ASCII characters without spaces',
      description: 'Password (AUTH) of every counter-store connection; not with a password in REDIS_URL or REDIS_FALLBACK_URL',
    }),
  ),
  REDIS_SENTINEL_PASSWORD: optional(
    envString({
      sensitive: true,
      pattern: /^[\x21-\x7e]{1,1024}$/,
      patternHint: '1 to 1024 printable ASCII characters without spaces',
      description: 'Password of the Sentinels themselves (their requirepass), with REDIS_SENTINELS',
    }),
  ),
  ...REDIS_TLS_ENV,
  REDIS_COMMAND_TIMEOUT_MS: envInt({
    min: 1,
    max: 10_000,
    // Above Redis's own pauses: its active-expire slow cycle blocks it for up to 25 ms (25% of a
    // 100 ms cron tick at the default hz 10) when many keys expire, which a limiter's short-lived
    // counters make routine. At 20 ms a healthy Redis opened the breaker under key churn.
    default: 50,
    description: "How long a counter-store connection may stay silent, with a command waiting, before it fails over and opens its breaker; above Redis's own pauses (expire cycle: 25 ms)",
  }),
  REDIS_FALLBACK_URL: optional(
    envUrl({
      protocols: ['redis:', 'rediss:'],
      description: 'Secondary counter store, asked while the regional one is down (its own circuit breaker); local buckets only when unset',
    }),
  ),
  BREAKER_FAILURE_THRESHOLD: envInt({
    min: 1,
    max: 1_000,
    default: 3,
    description: 'Consecutive counter-store failures, within BREAKER_FAILURE_WINDOW_MS, that open its circuit breaker',
  }),
  BREAKER_FAILURE_WINDOW_MS: envInt({
    min: 1,
    max: 60_000,
    default: 1_000,
    description: 'Window in which BREAKER_FAILURE_THRESHOLD consecutive failures open the circuit breaker',
  }),
  BREAKER_COOLDOWN_MS: envInt({
    min: 1,
    max: 60_000,
    default: 250,
    description: 'How long an open circuit breaker keeps decisions off the store before one probe decision goes to it',
  }),
  BREAKER_COOLDOWN_JITTER_MS: envInt({
    min: 0,
    max: 60_000,
    default: 250,
    description: 'Upper bound of the random delay added to each cooldown, so instances do not probe in lockstep',
  }),
  POLICY_FILE: optional(envString({ description: 'Policies, overrides and customer tiers as JSON or YAML; only the default policy when unset' })),
  POLICY_SERVICE_URL: optional(
    envUrl({
      protocols: ['http:', 'https:'],
      description: 'Policy service base URL; when set, policies come from the control plane (snapshot, then NATS changes), not POLICY_FILE',
    }),
  ),
  POLICY_SERVICE_TOKEN: optional(
    envString({
      sensitive: true,
      pattern: /^[\x21-\x7e]{1,1024}$/,
      patternHint: '1 to 1024 printable ASCII characters without spaces',
      description:
        "Bearer token for GET /v1/policies/snapshot and automatic blocks: a key of the `enforcer` role (the policy service's ENFORCER_API_KEY), never an admin token; required with POLICY_SERVICE_URL",
    }),
  ),
  POLICY_CACHE_FILE: derivedDefault(
    optional(envString({ description: 'Where the last applied policy snapshot is persisted, to start from it while the control plane is down' })),
    '<tmpdir>/rl-enforcer-<REGION>-<PORT>-policies.json',
  ),
  POLICY_RESYNC_INTERVAL_SECONDS: envInt({
    min: 0,
    max: 86_400,
    default: 60,
    description: 'How often the snapshot is re-read as well, to catch a lost change that no later change reveals (0: never)',
  }),
  NATS_URL: envUrl({ protocols: ['nats:', 'tls:'], default: 'nats://127.0.0.1:4222', description: 'NATS server with JetStream carrying the policy changes' }),
  NATS_NAMESPACE: envString({
    default: 'rl',
    pattern: NATS_NAMESPACE_PATTERN,
    patternHint: '1 to 32 characters from [a-z0-9_-]',
    description: 'Prefix of the NATS subjects and stream names, shared with the policy service',
  }),
  ...NATS_AUTH_ENV,
  GLOBAL_SYNC_INTERVAL_MS: envInt({
    min: 50,
    max: 60_000,
    default: 1_000,
    description: 'How often this instance publishes its usage of global policies to the reconciler (NATS, `<ns>.global.usage.<region>`), on multiples of it in wall-clock time',
  }),
  GLOBAL_REGIONS: derivedDefault(
    optional(
      envString({
        pattern: /^[a-z0-9-]{1,32}(,[a-z0-9-]{1,32})*$/,
        patternHint: 'a comma-separated list of region names from [a-z0-9-]{1,32}',
        description:
          'Comma-separated regions sharing global limits, this one included; each admits limit / (their number) until the reconciler allocates. Set it in multi-region deployments',
      }),
    ),
    '<REGION>',
  ),
  DEFAULT_POLICY_LIMIT: envInt({ min: 1, max: 1_000_000_000, default: 100, description: 'Limit of the policy applied when nothing else matches' }),
  DEFAULT_POLICY_WINDOW_SECONDS: envInt({ min: 1, max: 2_592_000, default: 60, description: 'Window of the default policy, in seconds' }),
  DEFAULT_POLICY_ALGORITHM: envEnum({ values: POLICY_ALGORITHMS, default: 'token_bucket', description: 'Algorithm of the default and inline policies' }),
  DEFAULT_POLICY_FAILURE_MODE: envEnum({
    values: FAILURE_MODES,
    default: 'open',
    description: 'What the default and inline policies do when the counter store fails',
  }),
  DEGRADED_LIMIT_PERCENT: envInt({
    min: 1,
    max: 100,
    default: 50,
    description: "Share of a policy's limit and burst the region admits from local buckets while the store is down (failureMode open)",
  }),
  ENFORCER_INSTANCES: envInt({
    min: 1,
    max: 10_000,
    default: 1,
    description: 'Live enforcer instances in the region; each local bucket gets 1/n of the DEGRADED_LIMIT_PERCENT share',
  }),
  INTERNAL_API_TOKEN: optional(
    envString({
      sensitive: true,
      pattern: /^[\x21-\x7e]{16,1024}$/,
      patternHint: '16 to 1024 printable ASCII characters without spaces',
      description: 'Bearer token of the internal routes the policy service calls (GET /internal/v1/counters); unset: those routes answer 404',
    }),
  ),
  ENFORCER_MAX_IN_FLIGHT: envInt({
    min: 1,
    max: 1_000_000,
    default: 5_000,
    description: 'Decisions in flight at most; past it a request gets 503 with Retry-After and "overloaded": true (rl_overloaded_total) and the gateway applies its own failure mode',
  }),
  SHUTDOWN_DRAIN_MS: envInt({
    min: 0,
    max: 60_000,
    default: 0,
    description: 'After SIGTERM, how long /readyz reports 503 before the server stops taking requests',
  }),
  ESCALATION_THRESHOLD: envInt({
    min: 0,
    max: 1_000,
    default: 5,
    description: "Distinct policies that must deny a key within ESCALATION_WINDOW_SECONDS to block it automatically (0: never; a policy's `escalation` overrides); needs POLICY_SERVICE_URL and an enforcer-role key",
  }),
  ESCALATION_WINDOW_SECONDS: envInt({ min: 1, max: 3_600, default: 60, description: 'Window of ESCALATION_THRESHOLD, in seconds (default for policies without their own)' }),
  ESCALATION_BLOCK_SECONDS: envInt({ min: 1, max: 86_400, default: 300, description: 'How long an automatic block lasts, in seconds (default for policies without their own)' }),
  ...DECISION_EVENTS_ENV,
  ...HOT_KEY_ENV,
  ...SIGNING_ENV,
  INSTANCE_ID: envString({
    default: { compute: () => `${hostname()}-${process.pid}`, text: '<hostname>-<pid>' },
    pattern: /^[A-Za-z0-9._-]{1,128}$/,
    patternHint: '1 to 128 characters from [A-Za-z0-9._-]',
    description: 'Name of this process in logs',
  }),
  LOG_LEVEL: logLevelEnv(),
};

/** The enforcer's config table (name, default, description), for the README. */
export const ENFORCER_CONFIG_DOC = describeEnv(ENFORCER_ENV);
