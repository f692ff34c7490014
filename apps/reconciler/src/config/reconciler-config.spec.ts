import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ConfigError, parseEnvFile, parseSigningPublicKey, renderEnvTable, signingKeyId } from '@rl/platform';
import { ReconcilerConfig } from './reconciler-config';
import { RECONCILER_CONFIG_DOC, RECONCILER_ENV } from './reconciler-env';

function fixture(name: string): Record<string, string> {
  return parseEnvFile(readFileSync(join(__dirname, 'fixtures', name), 'utf8'));
}

/** Key ids of the fixtures' keys (made for them only). */
const keyId = (publicKey: string): string => signingKeyId(parseSigningPublicKey(publicKey));
const ALLOCATION_KEY_ID = keyId('MCowBQYDK2VwAyEAXCu2OtiSplPsyG1UA3Yg3XW0TVy0klMVT5TR1L183Rk=');
const US_KEY_ID = keyId('MCowBQYDK2VwAyEAqV/gemP8uaaxcyzwaRV+ZZWZ87UrfqdPp2Rehucl16o=');
const EU_KEY_ID = keyId('MCowBQYDK2VwAyEA19G4nc8CxdoGZYXnK/6aNap1NZy6RC74qlQbH+golHI=');
const OTHER_KEY_ID = keyId('MCowBQYDK2VwAyEA6oigwMfeV6+y3VxX90l3Nj3AoBscJxcvk13dzfKixRM=');

function errorOf(name: string): string {
  try {
    ReconcilerConfig.fromEnv(name === 'missing-keys' ? {} : fixture(name));
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error(`${name} was accepted`);
}

describe('ReconcilerConfig', () => {
  it('applies the documented defaults', () => {
    const config = ReconcilerConfig.fromEnv(fixture('defaults.env'));
    expect(config).toMatchObject({
      port: 8090,
      host: '127.0.0.1',
      nats: { url: 'nats://127.0.0.1:4222', namespace: 'rl' },
      regions: ['us-east', 'eu-west'],
      intervalMs: 1000,
      cycleOffsetMs: 200,
      leaderLeaseMs: 3000,
      regionLeaseSeconds: 5,
      instanceTimeoutMs: 30_000,
      streamMaxAgeMs: 300_000,
      floorPercent: 2,
      logLevel: 'info',
    });
    expect(config.instanceId).toMatch(new RegExp(`-${process.pid}$`));
    expect(config.regionLeaseMs).toBe(5000);
    expect(config.refreshMs).toBe(150_000);
    expect(config.listenUrl).toBe('http://127.0.0.1:8090');
  });

  it('reads every variable', () => {
    expect(ReconcilerConfig.fromEnv(fixture('everything-set.env'))).toMatchObject({
      port: 9090,
      host: '0.0.0.0',
      nats: { url: 'tls://nats.internal:4222', namespace: 'prod-eu' },
      regions: ['us-east', 'eu-west', 'ap-south'],
      intervalMs: 500,
      cycleOffsetMs: 120,
      leaderLeaseMs: 2000,
      regionLeaseSeconds: 10,
      instanceTimeoutMs: 60_000,
      streamMaxAgeMs: 600_000,
      floorPercent: 5,
      instanceId: 'reconciler-2',
      logLevel: 'debug',
    });
  });

  it('reads the signing keys: its own signer (always trusted when reading the stream back) and a key set per region', () => {
    const { signing } = ReconcilerConfig.fromEnv(fixture('everything-set.env'));
    expect(signing.allocationSigner.keyId).toBe(ALLOCATION_KEY_ID);
    expect(signing.allocationKeys.keyIds).toEqual([OTHER_KEY_ID, ALLOCATION_KEY_ID]);
    expect([...signing.usageKeys].map(([region, keys]) => [region, keys.keyIds])).toEqual([
      ['us-east', [US_KEY_ID, EU_KEY_ID]],
      ['eu-west', [EU_KEY_ID]],
      ['ap-south', [OTHER_KEY_ID]],
    ]);
    expect(ReconcilerConfig.fromEnv(fixture('defaults.env')).signing.allocationKeys.keyIds).toEqual([ALLOCATION_KEY_ID]);
  });

  it('never shows a key when the config is logged or inspected', () => {
    const config = ReconcilerConfig.fromEnv(fixture('everything-set.env'));
    const shown = `${JSON.stringify(config)}\n${inspect(config, { depth: 10 })}`;
    expect(shown).toContain(ALLOCATION_KEY_ID);
    const env = fixture('everything-set.env');
    const keys = [env.ALLOCATION_SIGNING_PRIVATE_KEY, env.ALLOCATION_SIGNING_PUBLIC_KEYS, ...env.USAGE_SIGNING_PUBLIC_KEYS.split(',').map((entry) => entry.split('=').slice(1).join('='))];
    for (const key of keys) expect(shown).not.toContain(key.slice(16, 48));
  });

  it.each([
    ['bad-regions.env', 'Invalid configuration: RECONCILER_REGIONS must be a comma-separated list of region names from [a-z0-9-]{1,32} (got "us-east, eu-west")'],
    ['duplicate-region.env', 'Invalid configuration: RECONCILER_REGIONS must not name a region twice'],
    [
      'leases-too-short.env',
      'Invalid configuration: ' +
        'RECONCILER_CYCLE_OFFSET_MS must be less than RECONCILER_INTERVAL_MS; ' +
        'RECONCILER_LEADER_LEASE_MS must be at least twice RECONCILER_INTERVAL_MS (a leader must outlive a slow cycle); ' +
        'RECONCILER_REGION_LEASE_SECONDS must cover at least two RECONCILER_INTERVAL_MS; ' +
        'RECONCILER_INSTANCE_TIMEOUT_SECONDS must be at least RECONCILER_REGION_LEASE_SECONDS',
    ],
    [
      'bad-signing-keys.env',
      'Invalid configuration: ' +
        'ALLOCATION_SIGNING_PRIVATE_KEY must be an Ed25519 private key, PKCS#8 DER in base64 or PEM: it is not a PKCS#8 private key (value not shown); ' +
        'ALLOCATION_SIGNING_PUBLIC_KEYS must be a comma-separated list of Ed25519 public keys, SPKI DER in base64 or PEM: entry 1 is not an SPKI public key (value not shown); ' +
        'USAGE_SIGNING_PUBLIC_KEYS must be a comma-separated list of region=publicKey: entry 1 does not start with a region name from [a-z0-9-]{1,32} and "=" (value not shown)',
    ],
    [
      'usage-keys-mismatch.env',
      'Invalid configuration: ' +
        'USAGE_SIGNING_PUBLIC_KEYS has no key for eu-west (every region of RECONCILER_REGIONS signs its usage reports); ' +
        'USAGE_SIGNING_PUBLIC_KEYS names mars, not in RECONCILER_REGIONS',
    ],
    ['missing-keys', 'Invalid configuration: ALLOCATION_SIGNING_PRIVATE_KEY is required; USAGE_SIGNING_PUBLIC_KEYS is required'],
    [
      'many-problems.env',
      'Invalid configuration: ' +
        'PORT must be an integer between 1 and 65535 (got "0"); ' +
        'NATS_URL must be a URL starting with nats:// or tls:// (got "http://127.0.0.1:4222"); ' +
        'NATS_NAMESPACE must be 1 to 32 characters from [a-z0-9_-] (got "Prod.EU"); ' +
        'RECONCILER_INTERVAL_MS must be an integer between 100 and 60000 (got "10"); ' +
        'GLOBAL_FLOOR_PERCENT must be an integer between 0 and 100 (got "101"); ' +
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    ],
  ])('%s fails naming the variable', (name, message) => {
    expect(errorOf(name)).toBe(message);
  });
});

describe('ReconcilerConfig: NATS credentials and the usage token', () => {
  it('reads NATS_USER and NATS_PASSWORD, the inbox prefix and RECONCILER_API_TOKEN', () => {
    const keys = fixture('defaults.env');
    const config = ReconcilerConfig.fromEnv({ ...keys, NATS_USER: 'reconciler', NATS_PASSWORD: 'pw', NATS_INBOX_PREFIX: '_INBOX.reconciler', RECONCILER_API_TOKEN: 'token-of-16-chars-or-more' });
    expect(config.nats.transport).toEqual({ credentials: { kind: 'user', user: 'reconciler', password: 'pw' }, tls: undefined, inboxPrefix: '_INBOX.reconciler' });
    expect(config.usageApiToken).toBe('token-of-16-chars-or-more');
    expect(ReconcilerConfig.fromEnv(keys).usageApiToken).toBeUndefined();
    expect(() => ReconcilerConfig.fromEnv({ ...keys, RECONCILER_API_TOKEN: 'short' })).toThrow(
      'Invalid configuration: RECONCILER_API_TOKEN must be 16 to 256 visible ASCII characters (value not shown)',
    );
  });

  it('names conflicting NATS credentials', () => {
    expect(() => ReconcilerConfig.fromEnv({ ...fixture('defaults.env'), NATS_USER: 'reconciler', NATS_TOKEN: 'also-a-token' })).toThrow(
      'Invalid configuration: NATS_USER and NATS_TOKEN exclude each other (authenticate to NATS one way); NATS_USER needs NATS_PASSWORD',
    );
  });
});

describe('RECONCILER_CONFIG_DOC', () => {
  it('documents every variable the reconciler reads, in one line each', () => {
    expect(RECONCILER_CONFIG_DOC.map((d) => d.name)).toEqual(Object.keys(RECONCILER_ENV));
    for (const doc of RECONCILER_CONFIG_DOC) expect(doc.description).toMatch(/^[^\n]{10,200}$/);
    expect(renderEnvTable(RECONCILER_CONFIG_DOC)).toContain('| `PORT` | `8090` | TCP port of the HTTP server (health, metrics, /v1/global/usage) |');
  });
});

describe('README', () => {
  it('shows the config table generated from RECONCILER_CONFIG_DOC', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const table = /<!-- config-table:start -->\n([\s\S]*?)\n<!-- config-table:end -->/.exec(readme)?.[1];
    expect(table).toBe(renderEnvTable(RECONCILER_CONFIG_DOC));
  });
});
