import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ConfigError, parseEnvFile, parseSigningPublicKey, renderEnvTable, signingKeyId } from '@rl/platform';
import { PolicyServiceConfig } from './policy-service-config';
import { POLICY_SERVICE_CONFIG_DOC, POLICY_SERVICE_ENV } from './policy-service-env';

/** The key of the fixtures (made for them only). */
const FIXTURE_KEY = 'MC4CAQAwBQYDK2VwBCIEIKaBtVEK+V83AjKn3gBHAd8DaCUqp27cFQDZipJ+hR0t';
const FIXTURE_PUBLIC_KEY = 'MCowBQYDK2VwAyEA6oigwMfeV6+y3VxX90l3Nj3AoBscJxcvk13dzfKixRM=';

function fixture(name: string): Record<string, string> {
  return parseEnvFile(readFileSync(join(__dirname, 'fixtures', name), 'utf8'));
}

describe('PolicyServiceConfig', () => {
  it('applies the documented defaults', () => {
    const config = PolicyServiceConfig.fromEnv(fixture('defaults.env'));
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      logLevel: 'info',
      database: { url: 'postgres://postgres@127.0.0.1:5432/ratelimit', role: 'rl_policy_service', poolSize: 10 },
      nats: { url: 'nats://127.0.0.1:4222', namespace: 'rl' },
      adminToken: undefined,
      outbox: { pollMs: 100, batchSize: 100 },
      shutdownDrainMs: 0,
    });
    expect(config.listenUrl).toBe('http://127.0.0.1:8080');
    expect(config.policySigner.keyId).toBe(signingKeyId(parseSigningPublicKey(FIXTURE_PUBLIC_KEY)));
  });

  it('reads every variable and masks the database password in logs', () => {
    const config = PolicyServiceConfig.fromEnv(fixture('everything-set.env'));
    expect(config).toMatchObject({
      port: 9080,
      host: '0.0.0.0',
      instanceId: 'policy-1',
      logLevel: 'warn',
      database: { url: 'postgres://svc:pw@db.internal:5433/rl_prod', role: 'rl_app', poolSize: 20 },
      nats: { url: 'tls://nats.internal:4222', namespace: 'prod-eu' },
      adminToken: 's3cret-admin-token-value',
      outbox: { pollMs: 250, batchSize: 500 },
      shutdownDrainMs: 5000,
    });
    expect(config.databaseUrlForLogs).toBe('postgres://svc:***@db.internal:5433/rl_prod');
  });

  it('names every bad variable in one error, never echoing secrets', () => {
    let message = '';
    try {
      PolicyServiceConfig.fromEnv(fixture('many-problems.env'));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      message = error.message;
    }
    expect(message).toBe(
      'Invalid configuration: ' +
        'PORT must be an integer between 1 and 65535 (got "80a"); ' +
        'DATABASE_URL must be a URL starting with postgres:// or postgresql:// (value not shown); ' +
        'NATS_URL must be a URL starting with nats:// or tls:// (got "http://127.0.0.1:4222"); ' +
        'NATS_NAMESPACE must be 1 to 32 characters from [a-z0-9_-] (got "Prod.EU"); ' +
        'ADMIN_TOKEN must be 1 to 256 visible ASCII characters (value not shown); ' +
        'POLICY_SIGNING_PRIVATE_KEY must be an Ed25519 private key, PKCS#8 DER in base64 or PEM: it is not a PKCS#8 private key (value not shown); ' +
        'OUTBOX_POLL_MS must be an integer between 10 and 60000 (got "0"); ' +
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    );
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain(FIXTURE_PUBLIC_KEY.slice(16, 40));
  });

  it('needs the signing key, and never shows it when the config is logged or inspected', () => {
    expect(() => PolicyServiceConfig.fromEnv({})).toThrow('Invalid configuration: POLICY_SIGNING_PRIVATE_KEY is required');
    const config = PolicyServiceConfig.fromEnv(fixture('everything-set.env'));
    const shown = `${JSON.stringify(config)}\n${inspect(config, { depth: 10 })}`;
    expect(shown).toContain(config.policySigner.keyId);
    expect(shown).not.toContain(FIXTURE_KEY.slice(16, 40));
  });
});

describe('PolicyServiceConfig: console and reconciler', () => {
  it('serves the console from dist/console under the working directory and asks the reconciler on 8090 by default', () => {
    const config = PolicyServiceConfig.fromEnv({ POLICY_SIGNING_PRIVATE_KEY: FIXTURE_KEY });
    expect(config.console.dir).toBe(join(process.cwd(), 'dist', 'console'));
    expect(config.reconciler).toEqual({ url: 'http://127.0.0.1:8090', timeoutMs: 2000 });
  });

  it('reads CONSOLE_DIR, RECONCILER_URL (trailing slash dropped) and RECONCILER_TIMEOUT_MS', () => {
    const config = PolicyServiceConfig.fromEnv({ POLICY_SIGNING_PRIVATE_KEY: FIXTURE_KEY, CONSOLE_DIR: '/srv/console', RECONCILER_URL: 'https://reconciler.internal:9443/', RECONCILER_TIMEOUT_MS: '500' });
    expect(config.console.dir).toBe('/srv/console');
    expect(config.reconciler).toEqual({ url: 'https://reconciler.internal:9443', timeoutMs: 500 });
  });

  it('names bad values', () => {
    expect(() => PolicyServiceConfig.fromEnv({ POLICY_SIGNING_PRIVATE_KEY: FIXTURE_KEY, CONSOLE_DIR: 'dist/\nconsole', RECONCILER_URL: 'nats://127.0.0.1:4222', RECONCILER_TIMEOUT_MS: '5' })).toThrow(
      'Invalid configuration: ' +
        'CONSOLE_DIR must be a directory path of 1 to 1024 characters (got "dist/\\nconsole"); ' +
        'RECONCILER_URL must be a URL starting with http:// or https:// (got "nats://127.0.0.1:4222"); ' +
        'RECONCILER_TIMEOUT_MS must be an integer between 100 and 60000 (got "5")',
    );
  });
});

describe('POLICY_SERVICE_CONFIG_DOC', () => {
  it('documents every variable in one line each', () => {
    expect(POLICY_SERVICE_CONFIG_DOC.map((d) => d.name)).toEqual(Object.keys(POLICY_SERVICE_ENV));
    for (const doc of POLICY_SERVICE_CONFIG_DOC) expect(doc.description).toMatch(/^[^\n]{10,250}$/);
  });
});

describe('README', () => {
  it('shows the config table generated from POLICY_SERVICE_CONFIG_DOC', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const table = /<!-- config-table:start -->\n([\s\S]*?)\n<!-- config-table:end -->/.exec(readme)?.[1];
    expect(table).toBe(renderEnvTable(POLICY_SERVICE_CONFIG_DOC));
  });
});

describe('PolicyServiceConfig: the regions\' enforcers', () => {
  it('has none by default, so the counter routes are off', () => {
    expect(PolicyServiceConfig.fromEnv({ POLICY_SIGNING_PRIVATE_KEY: FIXTURE_KEY }).enforcers).toEqual({ regions: [], internalToken: undefined, timeoutMs: 1000 });
  });

  it('reads region=url pairs in order, trailing slashes dropped, with the token and timeout', () => {
    const config = PolicyServiceConfig.fromEnv({
      POLICY_SIGNING_PRIVATE_KEY: FIXTURE_KEY,
      ENFORCER_URLS: 'us-east=http://127.0.0.1:8081/, eu-west = https://enforcer.eu.internal',
      ENFORCER_INTERNAL_TOKEN: 'internal-token-0123456789',
      ENFORCER_TIMEOUT_MS: '250',
    });
    expect(config.enforcers).toEqual({
      regions: [
        { region: 'us-east', url: 'http://127.0.0.1:8081' },
        { region: 'eu-west', url: 'https://enforcer.eu.internal' },
      ],
      internalToken: 'internal-token-0123456789',
      timeoutMs: 250,
    });
  });

  it('names a malformed entry, a short token and a tiny timeout, never echoing credentials', () => {
    expect(() => PolicyServiceConfig.fromEnv(fixture('bad-enforcers.env'))).toThrow(
      'Invalid configuration: ' +
        'ENFORCER_URLS must be a comma-separated list of region=http(s)://host:port: entry 2 (eu-west) has no http(s) URL without credentials, query or fragment; ' +
        'ENFORCER_INTERNAL_TOKEN must be 16 to 1024 printable ASCII characters without spaces (value not shown); ' +
        'ENFORCER_TIMEOUT_MS must be an integer between 50 and 30000 (got "10")',
    );
    expect(() => PolicyServiceConfig.fromEnv({ POLICY_SIGNING_PRIVATE_KEY: FIXTURE_KEY, ENFORCER_URLS: 'US East=http://x:1' })).toThrow(
      'ENFORCER_URLS must be a comma-separated list of region=http(s)://host:port: entry 1 does not start with a region name from [a-z0-9-]{1,32} and "="',
    );
    expect(() => PolicyServiceConfig.fromEnv({ POLICY_SIGNING_PRIVATE_KEY: FIXTURE_KEY, ENFORCER_URLS: 'us-east=http://a:1,us-east=http://b:1', ENFORCER_INTERNAL_TOKEN: 'internal-token-0123456789' })).toThrow(
      'ENFORCER_URLS must name each region once: entry 2 repeats us-east',
    );
  });

  it('needs the internal token with the URLs', () => {
    expect(() => PolicyServiceConfig.fromEnv(fixture('enforcers-without-token.env'))).toThrow(
      "Invalid configuration: ENFORCER_INTERNAL_TOKEN is required with ENFORCER_URLS (the enforcers' INTERNAL_API_TOKEN)",
    );
  });
});
