import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ConfigError, parseEnvFile, parseSigningPrivateKey, parseSigningPublicKey, renderEnvTable, signingKeyId } from '@rl/platform';
import { EnforcerConfig } from './enforcer-config';
import { createTestPki, type TestPki } from '@rl/devstack';
import { ENFORCER_CONFIG_DOC, ENFORCER_ENV } from './enforcer-env';

function fixture(name: string): Record<string, string> {
  return parseEnvFile(readFileSync(join(__dirname, 'fixtures', name), 'utf8'));
}

/** Key ids of the fixtures' keys (made for them only). */
const keyId = (publicKey: string): string => signingKeyId(parseSigningPublicKey(publicKey));
const POLICY_KEY_ID = keyId('MCowBQYDK2VwAyEA6oigwMfeV6+y3VxX90l3Nj3AoBscJxcvk13dzfKixRM=');
const ALLOCATION_KEY_ID = keyId('MCowBQYDK2VwAyEAXCu2OtiSplPsyG1UA3Yg3XW0TVy0klMVT5TR1L183Rk=');
const USAGE_PRIVATE_KEY = 'MC4CAQAwBQYDK2VwBCIEIBfAmN8seOCgr1cf3L0zCetL1H1xbJWX7cmAA/7tuQCC';

function errorOf(name: string): string {
  try {
    EnforcerConfig.fromEnv(fixture(name));
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error(`${name} was accepted`);
}

describe('EnforcerConfig', () => {
  it('applies the documented defaults', () => {
    const config = EnforcerConfig.fromEnv(fixture('defaults.env'));
    expect(config).toMatchObject({
      port: 8081,
      host: '127.0.0.1',
      region: 'us-east',
      logLevel: 'info',
      redis: {
        url: 'redis://127.0.0.1:6380',
        clusterNodes: undefined,
        commandTimeoutMs: 50,
        fallbackUrl: undefined,
        breaker: { failureThreshold: 3, failureWindowMs: 1000, cooldownMs: 250, cooldownJitterMs: 250 },
      },
      policyFile: undefined,
      controlPlane: undefined,
      envoyConfigDir: undefined,
      nats: { url: 'nats://127.0.0.1:4222', namespace: 'rl' },
      defaultPolicy: { limit: 100, windowSeconds: 60, algorithm: 'token_bucket', failureMode: 'open' },
      degradedLimitPercent: 50,
      enforcerInstances: 1,
      localLimitPercent: 50,
      shutdownDrainMs: 0,
    });
    expect(config.instanceId).toMatch(new RegExp(`-${process.pid}$`));
    expect(config.listenUrl).toBe('http://127.0.0.1:8081');
  });

  it('reads every variable', () => {
    const config = EnforcerConfig.fromEnv(fixture('everything-set.env'));
    expect(config).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      region: 'eu-west',
      instanceId: 'enforcer-7',
      logLevel: 'warn',
      redis: {
        url: 'rediss://cache.internal:6390',
        clusterNodes: ['10.0.0.1:7000', '10.0.0.2:7000'],
        commandTimeoutMs: 25,
        fallbackUrl: 'redis://standby.internal:6391',
        breaker: { failureThreshold: 5, failureWindowMs: 2000, cooldownMs: 500, cooldownJitterMs: 100 },
      },
      policyFile: '/etc/rl/policies.yaml',
      envoyConfigDir: '/srv/runtime_data/current/config',
      defaultPolicy: { limit: 10, windowSeconds: 1, algorithm: 'gcra', failureMode: 'closed' },
      degradedLimitPercent: 25,
      enforcerInstances: 4,
      localLimitPercent: 6.25,
      shutdownDrainMs: 5000,
    });
  });

  it('reads the control-plane source, dropping a trailing slash from the URL', () => {
    const controlPlane = EnforcerConfig.fromEnv(fixture('control-plane.env')).controlPlane;
    expect(controlPlane).toEqual({
      policyServiceUrl: 'http://policy.internal:8080',
      policyServiceToken: 's3cret-token',
      cacheFile: '/var/cache/rl/policies.json',
      resyncIntervalSeconds: 0,
      nats: { url: 'tls://nats.internal:4222', namespace: 'prod-eu', transport: { credentials: { kind: 'none' }, tls: { ca: undefined, clientCertificate: undefined }, inboxPrefix: undefined } },
      policyKeys: expect.anything(),
    });
    expect(controlPlane?.policyKeys.keyIds).toEqual([POLICY_KEY_ID]);
  });

  it('reads the global-limit settings; GLOBAL_REGIONS defaults to this region alone', () => {
    expect(EnforcerConfig.fromEnv(fixture('global-limits.env')).global).toEqual({ syncIntervalMs: 250, regions: ['us-east', 'eu-west', 'ap-south'] });
    expect(EnforcerConfig.fromEnv(fixture('defaults.env')).global).toEqual({ syncIntervalMs: 1000, regions: ['us-east'] });
  });

  it('derives the default cache file from region and port, so a restarted instance finds its own', () => {
    expect(EnforcerConfig.fromEnv(fixture('control-plane-defaults.env')).controlPlane).toEqual({
      policyServiceUrl: 'http://127.0.0.1:8080',
      policyServiceToken: 't',
      cacheFile: join(tmpdir(), 'rl-enforcer-us-east-8081-policies.json'),
      resyncIntervalSeconds: 60,
      nats: { url: 'nats://127.0.0.1:4222', namespace: 'rl', transport: { credentials: { kind: 'none' }, tls: undefined, inboxPrefix: undefined } },
      policyKeys: expect.anything(),
    });
  });

  it('reads the signing keys: a set per message kind, and this region\'s private key', () => {
    const { signing } = EnforcerConfig.fromEnv(fixture('everything-set.env'));
    expect(signing.policy?.keyIds).toEqual([POLICY_KEY_ID, ALLOCATION_KEY_ID]);
    expect(signing.global?.allocations.keyIds).toEqual([ALLOCATION_KEY_ID]);
    expect(signing.global?.usage.keyId).toBe(signingKeyId(parseSigningPrivateKey(USAGE_PRIVATE_KEY)));
    expect(EnforcerConfig.fromEnv(fixture('defaults.env')).signing).toEqual({ policy: undefined, global: undefined });
  });

  it('never shows a key when the config is logged or inspected', () => {
    const config = EnforcerConfig.fromEnv(fixture('everything-set.env'));
    const shown = `${JSON.stringify(config)}\n${inspect(config, { depth: 10 })}`;
    expect(shown).toContain(POLICY_KEY_ID);
    for (const line of readFileSync(join(__dirname, 'fixtures', 'everything-set.env'), 'utf8').split('\n')) {
      const match = /^[A-Z_]+_KEYS?=(.*)$/.exec(line);
      if (match !== null) for (const key of match[1].split(',')) expect(shown).not.toContain(key.slice(16, 48));
    }
  });

  it.each([
    ['control-plane-without-token.env', 'Invalid configuration: POLICY_SERVICE_TOKEN is required when POLICY_SERVICE_URL is set'],
    ['two-policy-sources.env', 'Invalid configuration: POLICY_FILE and POLICY_SERVICE_URL exclude each other (set one policy source)'],
    [
      'envoy-config-dir-with-control-plane.env',
      'Invalid configuration: ENVOY_RATELIMIT_CONFIG_DIR and POLICY_SERVICE_URL exclude each other (import the files with POST /v1/imports/envoy-ratelimit instead)',
    ],
    [
      'bad-control-plane.env',
      'Invalid configuration: ' +
        'POLICY_SERVICE_URL must be a URL starting with http:// or https:// (got "ftp://policy.internal"); ' +
        'POLICY_SERVICE_TOKEN must be 1 to 1024 printable ASCII characters without spaces (value not shown); ' +
        'POLICY_RESYNC_INTERVAL_SECONDS must be an integer between 0 and 86400 (got "-1"); ' +
        'NATS_URL must be a URL starting with nats:// or tls:// (got "http://127.0.0.1:4222"); ' +
        'NATS_NAMESPACE must be 1 to 32 characters from [a-z0-9_-] (got "Prod.EU")',
    ],
    [
      'control-plane-without-keys.env',
      'Invalid configuration: POLICY_SIGNING_PUBLIC_KEYS is required when POLICY_SERVICE_URL is set (only changes and snapshots signed by one of these keys are applied)',
    ],
    [
      'bad-signing-keys.env',
      'Invalid configuration: ' +
        'POLICY_SIGNING_PUBLIC_KEYS must be a comma-separated list of Ed25519 public keys, SPKI DER in base64 or PEM: entry 2 is not an SPKI public key (value not shown); ' +
        'USAGE_SIGNING_PRIVATE_KEY must be an Ed25519 private key, PKCS#8 DER in base64 or PEM: it is not a PKCS#8 private key (value not shown)',
    ],
    ['half-global-keys.env', 'Invalid configuration: ALLOCATION_SIGNING_PUBLIC_KEYS and USAGE_SIGNING_PRIVATE_KEY go together (global-limit sync verifies allocations and signs usage reports)'],
    ['bad-command-timeout.env', 'Invalid configuration: REDIS_COMMAND_TIMEOUT_MS must be an integer between 1 and 10000 (got "abc")'],
    ['bad-breaker.env', 'Invalid configuration: BREAKER_FAILURE_THRESHOLD must be an integer between 1 and 1000 (got "0")'],
    ['bad-enforcer-instances.env', 'Invalid configuration: ENFORCER_INSTANCES must be an integer between 1 and 10000 (got "-2")'],
    ['command-timeout-too-large.env', 'Invalid configuration: REDIS_COMMAND_TIMEOUT_MS must be an integer between 1 and 10000 (got "20000")'],
    ['bad-global-limits.env', 'Invalid configuration: GLOBAL_SYNC_INTERVAL_MS must be an integer between 50 and 60000 (got "10")'],
    [
      'bad-global-regions-list.env',
      'Invalid configuration: GLOBAL_REGIONS must be a comma-separated list of region names from [a-z0-9-]{1,32} (got "us-east, eu-west")',
    ],
    [
      'global-regions-without-own-region.env',
      'Invalid configuration: GLOBAL_REGIONS must include this REGION (eu-west); GLOBAL_REGIONS must not name a region twice',
    ],
    ['bad-region.env', 'Invalid configuration: REGION must be 1 to 32 characters from [a-z0-9-] (got "US East")'],
    ['bad-port.env', 'Invalid configuration: PORT must be an integer between 1 and 65535 (got "80a")'],
    ['redis-url-wrong-scheme.env', 'Invalid configuration: REDIS_URL must be a URL starting with redis:// or rediss:// (got "http://127.0.0.1:6380")'],
    ['bad-cluster-nodes.env', 'Invalid configuration: REDIS_CLUSTER_NODES must be a comma-separated list of host:port (got "10.0.0.1:7000,10.0.0.2")'],
    [
      'bad-default-policy.env',
      'Invalid configuration: ' +
        'DEFAULT_POLICY_ALGORITHM must be one of token_bucket, sliding_window, fixed_window, leaky_bucket, gcra, sliding_log (got "leaky"); ' +
        'DEFAULT_POLICY_FAILURE_MODE must be one of open, closed (got "ajar")',
    ],
    [
      'many-problems.env',
      'Invalid configuration: ' +
        'PORT must be an integer between 1 and 65535 (got "0"); ' +
        'REGION must be 1 to 32 characters from [a-z0-9-] (got "us_east"); ' +
        'DEFAULT_POLICY_LIMIT must be an integer between 1 and 1000000000 (got "-5"); ' +
        'DEFAULT_POLICY_WINDOW_SECONDS must be an integer between 1 and 2592000 (got "1.5"); ' +
        'DEGRADED_LIMIT_PERCENT must be an integer between 1 and 100 (got "0"); ' +
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    ],
  ])('%s fails naming the variable', (name, message) => {
    expect(errorOf(name)).toBe(message);
  });
});

describe('EnforcerConfig: counter-store credentials', () => {
  it('applies REDIS_USERNAME / REDIS_PASSWORD to every connection and REDIS_SENTINEL_PASSWORD to the sentinels', () => {
    const config = EnforcerConfig.fromEnv({ REDIS_SENTINELS: '10.0.0.1:26379', REDIS_USERNAME: 'limiter', REDIS_PASSWORD: 'p4ss', REDIS_SENTINEL_PASSWORD: 's3nt' });
    expect(config.redis.auth).toEqual({ username: 'limiter', password: 'p4ss' });
    expect(config.redis.sentinels).toEqual({ nodes: ['10.0.0.1:26379'], masterName: 'mymaster', password: 's3nt' });
    expect(EnforcerConfig.fromEnv({}).redis.auth).toEqual({ username: undefined, password: undefined });
  });

  it('refuses credentials set in two places, naming both, and never echoes a password', () => {
    const attempt = (): EnforcerConfig =>
      EnforcerConfig.fromEnv({ REDIS_URL: 'redis://user:url-secret@10.0.0.1:6379', REDIS_FALLBACK_URL: 'redis://:other@10.0.0.2:6379', REDIS_USERNAME: 'limiter', REDIS_PASSWORD: 'env-secret', REDIS_SENTINEL_PASSWORD: 's3nt' });
    expect(attempt).toThrow(
      'Invalid configuration: ' +
        'REDIS_PASSWORD and a password in REDIS_URL exclude each other (set it in one place); ' +
        'REDIS_USERNAME and a user in REDIS_URL exclude each other (set it in one place); ' +
        'REDIS_PASSWORD and a password in REDIS_FALLBACK_URL exclude each other (set it in one place); ' +
        'REDIS_SENTINEL_PASSWORD needs REDIS_SENTINELS',
    );
    expect(() => EnforcerConfig.fromEnv({ REDIS_PASSWORD: 'has space' })).toThrow(/REDIS_PASSWORD .*\(value not shown\)/);
  });
});

describe('EnforcerConfig: TLS towards Redis and NATS credentials', () => {
  let pki: TestPki;

  beforeAll(() => {
    pki = createTestPki();
  });
  afterAll(() => pki?.remove());

  it('reads REDIS_TLS_* for a rediss:// URL and for Cluster nodes', () => {
    const url = EnforcerConfig.fromEnv({ REDIS_URL: 'rediss://redis.internal:6380', REDIS_TLS_CA_FILE: pki.trusted.caFile });
    expect(url.redis.tls).toEqual({ ca: { path: pki.trusted.caFile, text: expect.stringContaining('BEGIN CERTIFICATE') }, clientCertificate: undefined });
    const cluster = EnforcerConfig.fromEnv({
      REDIS_CLUSTER_NODES: '10.0.0.1:7000',
      REDIS_TLS_CA_FILE: pki.trusted.caFile,
      REDIS_TLS_CERT_FILE: pki.trusted.clientCertFile,
      REDIS_TLS_KEY_FILE: pki.trusted.clientKeyFile,
    });
    expect(cluster.redis.tls?.clientCertificate?.cert.path).toBe(pki.trusted.clientCertFile);
    expect(EnforcerConfig.fromEnv({}).redis.tls).toBeUndefined();
  });

  it('refuses a redis:// URL a connection would use while TLS files are set, and mismatched files', () => {
    expect(() => EnforcerConfig.fromEnv({ REDIS_TLS_CA_FILE: pki.trusted.caFile, REDIS_FALLBACK_URL: 'redis://standby:6379' })).toThrow(
      'Invalid configuration: ' +
        'REDIS_URL must be rediss:// while REDIS_TLS_* is set (a redis:// URL would connect in plaintext); ' +
        'REDIS_FALLBACK_URL must be rediss:// while REDIS_TLS_* is set (a redis:// URL would connect in plaintext)',
    );
    expect(() =>
      EnforcerConfig.fromEnv({ REDIS_URL: 'rediss://r:6380', REDIS_TLS_CERT_FILE: pki.trusted.clientCertFile, REDIS_TLS_KEY_FILE: pki.other.clientKeyFile }),
    ).toThrow('Invalid configuration: REDIS_TLS_KEY_FILE is not the private key of REDIS_TLS_CERT_FILE');
    expect(() => EnforcerConfig.fromEnv({ REDIS_URL: 'rediss://r:6380', REDIS_TLS_CA_FILE: '/nonexistent/ca.pem' })).toThrow(
      'Invalid configuration: REDIS_TLS_CA_FILE names a file that cannot be read ("/nonexistent/ca.pem": ENOENT)',
    );
  });

  it('reads the NATS credentials of the shared block', () => {
    const config = EnforcerConfig.fromEnv({ NATS_USER: 'enforcer-us-east', NATS_PASSWORD: 'pw', NATS_INBOX_PREFIX: '_INBOX.enforcer-us-east', NATS_TLS_CA_FILE: pki.trusted.caFile });
    expect(config.nats.transport).toMatchObject({ credentials: { kind: 'user', user: 'enforcer-us-east', password: 'pw' }, inboxPrefix: '_INBOX.enforcer-us-east', tls: { ca: { path: pki.trusted.caFile } } });
    expect(() => EnforcerConfig.fromEnv({ NATS_TOKEN: 't', NATS_CREDS: pki.trusted.caFile })).toThrow(/NATS_CREDS must be a NATS credentials file/);
  });
});

describe('ENFORCER_CONFIG_DOC', () => {
  it('documents every variable the enforcer reads, in one line each', () => {
    expect(ENFORCER_CONFIG_DOC.map((d) => d.name)).toEqual(Object.keys(ENFORCER_ENV));
    for (const doc of ENFORCER_CONFIG_DOC) expect(doc.description).toMatch(/^[^\n]{10,200}$/);
    const table = renderEnvTable(ENFORCER_CONFIG_DOC);
    expect(table).toContain('| `PORT` | `8081` | TCP port of the HTTP server |');
    expect(table).toContain('| `INSTANCE_ID` | `<hostname>-<pid>` |');
    expect(table).toContain('| `REDIS_CLUSTER_NODES` | (unset) |');
  });
});

describe('README', () => {
  it('shows the config table generated from ENFORCER_CONFIG_DOC', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const table = /<!-- config-table:start -->\n([\s\S]*?)\n<!-- config-table:end -->/.exec(readme)?.[1];
    expect(table).toBe(renderEnvTable(ENFORCER_CONFIG_DOC));
  });
});
