import { hostname } from 'node:os';
import { FAILURE_MODES, POLICY_ALGORITHMS } from '@rl/contracts';
import { describeEnv, envEnum, envHostPortList, envInt, envString, envUrl, logLevelEnv, optional } from '@rl/platform';

/** Every environment variable the enforcer reads, validated once at boot. */
export const ENFORCER_ENV = {
  PORT: envInt({ min: 1, max: 65_535, default: 8081, description: 'TCP port of the HTTP server' }),
  HOST: envString({
    default: '127.0.0.1',
    pattern: /^[A-Za-z0-9.:-]{1,253}$/,
    patternHint: 'a host name or IP address',
    description: 'Address the HTTP server binds to (0.0.0.0 for all interfaces)',
  }),
  REGION: envString({
    default: 'us-east',
    pattern: /^[a-z0-9-]{1,32}$/,
    patternHint: '1 to 32 characters from [a-z0-9-]',
    description: 'Region name reported in every decision and metric',
  }),
  REDIS_URL: envUrl({
    protocols: ['redis:', 'rediss:'],
    default: 'redis://127.0.0.1:6380',
    description: 'The regional counter store (ignored when REDIS_CLUSTER_NODES is set)',
  }),
  REDIS_CLUSTER_NODES: optional(
    envHostPortList({ description: 'Comma-separated host:port seed nodes; when set, the counter store is a Redis Cluster' }),
  ),
  REDIS_COMMAND_TIMEOUT_MS: envInt({
    min: 1,
    max: 10_000,
    default: 50,
    description: 'A counter-store command without a reply after this long fails the decision over to the failure mode',
  }),
  POLICY_FILE: optional(envString({ description: 'Policies, overrides and customer tiers as JSON or YAML; only the default policy when unset' })),
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
    description: "Share of a policy's limit and burst one instance admits from its local bucket while the store is down (failureMode open)",
  }),
  SHUTDOWN_DRAIN_MS: envInt({
    min: 0,
    max: 60_000,
    default: 0,
    description: 'After SIGTERM, how long /readyz reports 503 before the server stops taking requests',
  }),
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
