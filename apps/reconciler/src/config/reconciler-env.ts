import { hostname } from 'node:os';
import { NATS_NAMESPACE_PATTERN } from '@rl/contracts';
import { describeEnv, envInt, envRegionSigningKeys, envSigningPrivateKey, envSigningPublicKeys, envString, envUrl, logLevelEnv, NATS_AUTH_ENV, optional } from '@rl/platform';

/** Who may read GET /v1/global/usage (it shows raw identities): holders of this token, or loopback only. */
const USAGE_API_ENV = {
  RECONCILER_API_TOKEN: optional(
    envString({
      pattern: /^[\x21-\x7e]{16,256}$/,
      patternHint: '16 to 256 visible ASCII characters',
      sensitive: true,
      description:
        'Bearer token GET /v1/global/usage requires (the policy service sends it); unset: that route answers loopback clients only (403 otherwise), whatever HOST is',
    }),
  ),
};

/** Every environment variable the reconciler reads, validated once at boot. */
export const RECONCILER_ENV = {
  PORT: envInt({ min: 1, max: 65_535, default: 8090, description: 'TCP port of the HTTP server (health, metrics, /v1/global/usage)' }),
  HOST: envString({
    default: '127.0.0.1',
    pattern: /^[A-Za-z0-9.:-]{1,253}$/,
    patternHint: 'a host name or IP address',
    description: 'Address the HTTP server binds to (0.0.0.0 for all interfaces)',
  }),
  NATS_URL: envUrl({ protocols: ['nats:', 'tls:'], default: 'nats://127.0.0.1:4222', description: 'NATS server with JetStream (usage reports, allocation stream, leader lease)' }),
  NATS_NAMESPACE: envString({
    default: 'rl',
    pattern: NATS_NAMESPACE_PATTERN,
    patternHint: '1 to 32 characters from [a-z0-9_-]',
    description: 'Prefix of the NATS subjects, stream and KV bucket, shared with the enforcers',
  }),
  ...NATS_AUTH_ENV,
  ...USAGE_API_ENV,
  RECONCILER_REGIONS: envString({
    default: 'us-east,eu-west',
    pattern: /^[a-z0-9-]{1,32}(,[a-z0-9-]{1,32})*$/,
    patternHint: 'a comma-separated list of region names from [a-z0-9-]{1,32}',
    description: "Every region sharing global limits: the same list as the enforcers' GLOBAL_REGIONS; reports from other regions are rejected",
  }),
  RECONCILER_INTERVAL_MS: envInt({ min: 100, max: 60_000, default: 1_000, description: 'How often the leader computes and publishes allocations' }),
  RECONCILER_CYCLE_OFFSET_MS: {
    ...optional(
      envInt({
        min: 0,
        max: 59_999,
        description:
          "Cycles run this long after each multiple of RECONCILER_INTERVAL_MS in wall-clock time, once the enforcers' reports (sent on the multiples) are in; cover the report latency between regions",
      }),
    ),
    defaultText: 'min(200, RECONCILER_INTERVAL_MS / 5)',
  },
  RECONCILER_LEADER_LEASE_MS: envInt({
    min: 500,
    max: 120_000,
    default: 3_000,
    description: 'Leader lease in the KV bucket `<NS>_RECONCILER`; renewed every third of it, taken over by a standby once it expires',
  }),
  RECONCILER_REGION_LEASE_SECONDS: envInt({
    min: 1,
    max: 3_600,
    default: 5,
    description: 'A region with no report for this long is silent (partitioned); sent with every allocation as `leaseSeconds`',
  }),
  RECONCILER_INSTANCE_TIMEOUT_SECONDS: envInt({
    min: 1,
    max: 86_400,
    default: 30,
    description: "An enforcer instance silent this long no longer holds back its region's acknowledgements (it is taken as gone)",
  }),
  RECONCILER_STREAM_MAX_AGE_SECONDS: envInt({
    min: 60,
    max: 86_400,
    default: 300,
    description:
      'Max age of the allocation stream `<NS>_GLOBAL_ALLOCATIONS`; every live allocation is re-sent within half of it (after a longer gap without a leader, older windows are left as they are)',
  }),
  GLOBAL_FLOOR_PERCENT: envInt({
    min: 0,
    max: 100,
    default: 2,
    description: 'Every region keeps at least max(1, limit x this % / regions) of a global limit, so a quiet region serves its first requests',
  }),
  // Signed control messages (issue 13).
  ALLOCATION_SIGNING_PRIVATE_KEY: envSigningPrivateKey({
    description: "Ed25519 private key (PKCS#8 DER in base64, or PEM) that signs every allocation update; enforcers verify with ALLOCATION_SIGNING_PUBLIC_KEYS",
  }),
  ALLOCATION_SIGNING_PUBLIC_KEYS: optional(
    envSigningPublicKeys({
      description: "More public keys whose allocations this reconciler accepts when it reads the stream back (its own always count): a previous leader's key during a rotation",
    }),
  ),
  USAGE_SIGNING_PUBLIC_KEYS: envRegionSigningKeys({
    description:
      'region=publicKey pairs, comma-separated, for every region of RECONCILER_REGIONS: a report on region R\'s subject counts only if R\'s key signed it. A region may appear twice (key rotation)',
  }),
  INSTANCE_ID: envString({
    default: { compute: () => `${hostname()}-${process.pid}`, text: '<hostname>-<pid>' },
    pattern: /^[A-Za-z0-9._-]{1,128}$/,
    patternHint: '1 to 128 characters from [A-Za-z0-9._-]',
    description: 'Name of this process in logs, in the NATS connection name and in the leader lease',
  }),
  LOG_LEVEL: logLevelEnv(),
};

/** The reconciler's config table (name, default, description), for the README. */
export const RECONCILER_CONFIG_DOC = describeEnv(RECONCILER_ENV);
