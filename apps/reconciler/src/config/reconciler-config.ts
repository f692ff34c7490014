import { ConfigError, loadEnv, MessageVerifier, natsTransportProblems, natsTransportSettings, type EnvValues, type LogLevel, type MessageSigner, type NatsTransportSettings } from '@rl/platform';
import { RECONCILER_ENV } from './reconciler-env';

export interface ReconcilerNatsSettings {
  readonly url: string;
  /** Prefix of subjects, stream and KV bucket (NATS_NAMESPACE). */
  readonly namespace: string;
  /** Credentials and TLS (NATS_CREDS, NATS_USER, NATS_TLS_*, ...). */
  readonly transport: NatsTransportSettings;
}

/** Keys of the signed control messages; they print as key ids only. */
export interface ReconcilerSigningSettings {
  /** Signs allocation updates (ALLOCATION_SIGNING_PRIVATE_KEY). */
  readonly allocationSigner: MessageSigner;
  /** Verifies the allocation stream read back: this signer's key and ALLOCATION_SIGNING_PUBLIC_KEYS. */
  readonly allocationKeys: MessageVerifier;
  /** Per region, the keys its usage reports must be signed with (USAGE_SIGNING_PUBLIC_KEYS). */
  readonly usageKeys: ReadonlyMap<string, MessageVerifier>;
}

/** The reconciler's validated configuration, read through typed fields. Build it with `fromEnv`. */
export class ReconcilerConfig {
  readonly port: number;
  readonly host: string;
  readonly nats: ReconcilerNatsSettings;
  readonly regions: readonly string[];
  readonly intervalMs: number;
  /** Cycles run at every multiple of intervalMs (wall clock) plus this. */
  readonly cycleOffsetMs: number;
  readonly leaderLeaseMs: number;
  readonly regionLeaseSeconds: number;
  readonly instanceTimeoutMs: number;
  readonly streamMaxAgeMs: number;
  readonly floorPercent: number;
  readonly signing: ReconcilerSigningSettings;
  readonly instanceId: string;
  readonly logLevel: LogLevel;
  /** RECONCILER_API_TOKEN: required by GET /v1/global/usage; undefined means loopback clients only. */
  readonly usageApiToken: string | undefined;

  private constructor(env: EnvValues<typeof RECONCILER_ENV>) {
    this.port = env.PORT;
    this.host = env.HOST;
    this.nats = { url: env.NATS_URL, namespace: env.NATS_NAMESPACE, transport: natsTransportSettings(env.NATS_URL, env) };
    this.usageApiToken = env.RECONCILER_API_TOKEN;
    this.regions = env.RECONCILER_REGIONS.split(',');
    this.intervalMs = env.RECONCILER_INTERVAL_MS;
    this.cycleOffsetMs = env.RECONCILER_CYCLE_OFFSET_MS ?? Math.min(200, Math.floor(env.RECONCILER_INTERVAL_MS / 5));
    this.leaderLeaseMs = env.RECONCILER_LEADER_LEASE_MS;
    this.regionLeaseSeconds = env.RECONCILER_REGION_LEASE_SECONDS;
    this.instanceTimeoutMs = env.RECONCILER_INSTANCE_TIMEOUT_SECONDS * 1000;
    this.streamMaxAgeMs = env.RECONCILER_STREAM_MAX_AGE_SECONDS * 1000;
    this.floorPercent = env.GLOBAL_FLOOR_PERCENT;
    const signer = env.ALLOCATION_SIGNING_PRIVATE_KEY;
    this.signing = {
      allocationSigner: signer,
      allocationKeys: (env.ALLOCATION_SIGNING_PUBLIC_KEYS ?? new MessageVerifier([])).including([signer.publicKey()]),
      usageKeys: env.USAGE_SIGNING_PUBLIC_KEYS,
    };
    this.instanceId = env.INSTANCE_ID;
    this.logLevel = env.LOG_LEVEL;
  }

  /** Validates every variable at once; throws a ConfigError naming each bad or missing one. */
  static fromEnv(source: Readonly<Record<string, string | undefined>>): ReconcilerConfig {
    const env = loadEnv(RECONCILER_ENV, source);
    const problems: string[] = natsTransportProblems(env.NATS_URL, env);
    const regions = env.RECONCILER_REGIONS.split(',');
    if (new Set(regions).size !== regions.length) problems.push('RECONCILER_REGIONS must not name a region twice');
    if (env.RECONCILER_CYCLE_OFFSET_MS !== undefined && env.RECONCILER_CYCLE_OFFSET_MS >= env.RECONCILER_INTERVAL_MS) {
      problems.push('RECONCILER_CYCLE_OFFSET_MS must be less than RECONCILER_INTERVAL_MS');
    }
    if (env.RECONCILER_LEADER_LEASE_MS < 2 * env.RECONCILER_INTERVAL_MS) {
      problems.push('RECONCILER_LEADER_LEASE_MS must be at least twice RECONCILER_INTERVAL_MS (a leader must outlive a slow cycle)');
    }
    if (env.RECONCILER_REGION_LEASE_SECONDS * 1000 < 2 * env.RECONCILER_INTERVAL_MS) {
      problems.push('RECONCILER_REGION_LEASE_SECONDS must cover at least two RECONCILER_INTERVAL_MS');
    }
    if (env.RECONCILER_INSTANCE_TIMEOUT_SECONDS < env.RECONCILER_REGION_LEASE_SECONDS) {
      problems.push('RECONCILER_INSTANCE_TIMEOUT_SECONDS must be at least RECONCILER_REGION_LEASE_SECONDS');
    }
    const keyed = [...env.USAGE_SIGNING_PUBLIC_KEYS.keys()];
    const unkeyed = regions.filter((region) => !keyed.includes(region));
    if (unkeyed.length > 0) problems.push(`USAGE_SIGNING_PUBLIC_KEYS has no key for ${unkeyed.join(', ')} (every region of RECONCILER_REGIONS signs its usage reports)`);
    const unknown = keyed.filter((region) => !regions.includes(region));
    if (unknown.length > 0) problems.push(`USAGE_SIGNING_PUBLIC_KEYS names ${unknown.join(', ')}, not in RECONCILER_REGIONS`);
    if (problems.length > 0) throw new ConfigError(problems);
    return new ReconcilerConfig(env);
  }

  get regionLeaseMs(): number {
    return this.regionLeaseSeconds * 1000;
  }

  /** Every live allocation is re-sent within this, so the stream always holds it. */
  get refreshMs(): number {
    return Math.floor(this.streamMaxAgeMs / 2);
  }

  /** The URL the server is reachable at, for the startup log line. */
  get listenUrl(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.port}`;
  }
}
