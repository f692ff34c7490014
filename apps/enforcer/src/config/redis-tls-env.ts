import { envFile, optional, pemCheck, tlsFileProblems, type EnvFile, type EnvValues, type HostPort } from '@rl/platform';

/** TLS towards the counter stores (part of ENFORCER_ENV). */
export const REDIS_TLS_ENV = {
  REDIS_TLS_CA_FILE: optional(
    envFile({
      check: pemCheck(['CERTIFICATE'], 'one or more CA certificates'),
      description:
        "CA certificates (PEM) every counter store's certificate must chain to (rediss:// URLs; set, it turns TLS on for REDIS_CLUSTER_NODES and REDIS_SENTINELS); the system's CAs when unset",
    }),
  ),
  REDIS_TLS_CERT_FILE: optional(envFile({ check: pemCheck(['CERTIFICATE'], 'a certificate'), description: 'Client certificate (PEM) for counter stores that verify clients (tls-auth-clients), with REDIS_TLS_KEY_FILE' })),
  REDIS_TLS_KEY_FILE: optional(
    envFile({ check: pemCheck(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY'], 'a private key'), description: 'Private key (PEM) of REDIS_TLS_CERT_FILE' }),
  ),
};

/** TLS files of the counter-store connections; where TLS applies is decided by the targets (rediss://, or files set for Cluster and Sentinel). */
export interface RedisTlsSettings {
  readonly ca: EnvFile | undefined;
  readonly clientCertificate: { readonly cert: EnvFile; readonly key: EnvFile } | undefined;
}

type RedisTlsEnv = EnvValues<typeof REDIS_TLS_ENV> & {
  readonly REDIS_URL: string;
  readonly REDIS_FALLBACK_URL: string | undefined;
  readonly REDIS_CLUSTER_NODES: readonly HostPort[] | undefined;
  readonly REDIS_SENTINELS: readonly HostPort[] | undefined;
};

function anyTlsFile(env: RedisTlsEnv): boolean {
  return env.REDIS_TLS_CA_FILE !== undefined || env.REDIS_TLS_CERT_FILE !== undefined || env.REDIS_TLS_KEY_FILE !== undefined;
}

/** The TLS files, or undefined when none is set (rediss:// then verifies against the system's CAs). */
export function redisTlsSettings(env: RedisTlsEnv): RedisTlsSettings | undefined {
  if (!anyTlsFile(env)) return undefined;
  const clientCertificate = env.REDIS_TLS_CERT_FILE !== undefined && env.REDIS_TLS_KEY_FILE !== undefined ? { cert: env.REDIS_TLS_CERT_FILE, key: env.REDIS_TLS_KEY_FILE } : undefined;
  return { ca: env.REDIS_TLS_CA_FILE, clientCertificate };
}

/**
 * Problems of the TLS block: files that do not belong together, and a plaintext `redis://` URL a
 * connection would use while TLS files are set (it would silently stay plaintext).
 */
export function redisTlsProblems(env: RedisTlsEnv): string[] {
  const problems = tlsFileProblems({
    ca: { variable: 'REDIS_TLS_CA_FILE', file: env.REDIS_TLS_CA_FILE },
    cert: { variable: 'REDIS_TLS_CERT_FILE', file: env.REDIS_TLS_CERT_FILE },
    key: { variable: 'REDIS_TLS_KEY_FILE', file: env.REDIS_TLS_KEY_FILE },
  });
  if (!anyTlsFile(env)) return problems;
  const urlInUse = env.REDIS_CLUSTER_NODES === undefined && env.REDIS_SENTINELS === undefined;
  for (const [name, url] of [
    ['REDIS_URL', urlInUse ? env.REDIS_URL : undefined],
    ['REDIS_FALLBACK_URL', env.REDIS_FALLBACK_URL],
  ] as const) {
    if (url !== undefined && new URL(url).protocol === 'redis:') problems.push(`${name} must be rediss:// while REDIS_TLS_* is set (a redis:// URL would connect in plaintext)`);
  }
  return problems;
}
