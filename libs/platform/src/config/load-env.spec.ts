import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeEnv, renderEnvTable } from './describe-env';
import { envEnum, envHostPortList, envInt, envString, envUrl, optional, urlForLogs } from './env-vars';
import { ConfigError, loadEnv } from './load-env';
import { parseEnvFile } from './parse-env-file';

const schema = {
  REDIS_URL: envUrl({ protocols: ['redis:', 'rediss:'], description: 'Redis URL' }),
  REDIS_CLUSTER_NODES: optional(envHostPortList({ description: 'Cluster seed nodes' })),
  REDIS_COMMAND_TIMEOUT_MS: envInt({ min: 1, max: 10_000, default: 50, description: 'Command timeout' }),
  MODE: envEnum({ values: ['fast', 'safe'] as const, default: 'safe', description: 'Mode' }),
  NAME: envString({ pattern: /^[a-z0-9-]+$/, patternHint: 'lowercase letters, digits and "-"', default: { compute: () => 'computed', text: 'hostname' }, description: 'Name' }),
  DATABASE_URL: optional(envUrl({ protocols: ['postgres:'], sensitive: true, description: 'Postgres URL' })),
};

function fixture(name: string): Record<string, string> {
  return parseEnvFile(readFileSync(join(__dirname, 'fixtures', name), 'utf8'));
}

function errorOf(name: string): string {
  try {
    loadEnv(schema, fixture(name));
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error(`${name} loaded without error`);
}

describe('loadEnv', () => {
  it('reads typed values, applying defaults and computed defaults', () => {
    const config = loadEnv(schema, fixture('valid.env'));
    expect(config).toEqual({
      REDIS_URL: 'redis://127.0.0.1:6380',
      REDIS_CLUSTER_NODES: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
      REDIS_COMMAND_TIMEOUT_MS: 250,
      MODE: 'fast',
      NAME: 'computed',
      DATABASE_URL: undefined,
    });
  });

  it('treats empty values as unset', () => {
    const config = loadEnv(schema, fixture('empty-values.env'));
    expect(config.REDIS_COMMAND_TIMEOUT_MS).toBe(50);
    expect(config.MODE).toBe('safe');
  });

  it.each([
    ['bad-int.env', 'Invalid configuration: REDIS_COMMAND_TIMEOUT_MS must be an integer between 1 and 10000 (got "abc")'],
    ['int-out-of-range.env', 'Invalid configuration: REDIS_COMMAND_TIMEOUT_MS must be an integer between 1 and 10000 (got "0")'],
    ['int-fraction.env', 'Invalid configuration: REDIS_COMMAND_TIMEOUT_MS must be an integer between 1 and 10000 (got "1.5")'],
    ['missing-required.env', 'Invalid configuration: REDIS_URL is required'],
    ['wrong-protocol.env', 'Invalid configuration: REDIS_URL must be a URL starting with redis:// or rediss:// (got "http://127.0.0.1:6380")'],
    ['secret-url.env', 'Invalid configuration: DATABASE_URL must be a URL starting with postgres:// (value not shown)'],
    [
      'many-problems.env',
      'Invalid configuration: REDIS_URL must be a URL starting with redis:// or rediss:// (got "not a url"); ' +
        'REDIS_CLUSTER_NODES must be a comma-separated list of host:port (got "10.0.0.1"); ' +
        'MODE must be one of fast, safe (got "turbo"); ' +
        'NAME must be lowercase letters, digits and "-" (got "Has Spaces")',
    ],
  ])('%s fails with one message naming every bad variable', (name, message) => {
    expect(errorOf(name)).toBe(message);
  });

  it('masks the password of a URL it echoes', () => {
    const single = { REDIS_URL: envUrl({ protocols: ['redis:'], description: 'Redis URL' }) };
    expect(() => loadEnv(single, { REDIS_URL: 'http://user:hunter2@host:1' })).toThrow(
      'Invalid configuration: REDIS_URL must be a URL starting with redis:// (got "http://user:***@host:1/")',
    );
  });

  it('lists every problem on the error', () => {
    try {
      loadEnv(schema, fixture('many-problems.env'));
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toHaveLength(4);
    }
  });
});

describe('describeEnv', () => {
  it('documents each variable with its default', () => {
    const docs = describeEnv(schema);
    expect(docs.map((d) => [d.name, d.required, d.defaultText])).toEqual([
      ['REDIS_URL', true, undefined],
      ['REDIS_CLUSTER_NODES', false, undefined],
      ['REDIS_COMMAND_TIMEOUT_MS', false, '50'],
      ['MODE', false, 'safe'],
      ['NAME', false, 'hostname'],
      ['DATABASE_URL', false, undefined],
    ]);
    expect(renderEnvTable(docs.slice(0, 3))).toBe(
      [
        '| Variable | Default | Description |',
        '|---|---|---|',
        '| `REDIS_URL` | required | Redis URL |',
        '| `REDIS_CLUSTER_NODES` | (unset) | Cluster seed nodes |',
        '| `REDIS_COMMAND_TIMEOUT_MS` | `50` | Command timeout |',
      ].join('\n'),
    );
  });
});

describe('parseEnvFile', () => {
  it('rejects lines that are not assignments', () => {
    expect(() => parseEnvFile('A=1\nnonsense\n')).toThrow('line 2: expected NAME=value');
  });
});

describe('urlForLogs', () => {
  it('masks the password of a URL and leaves one without a password as it is', () => {
    expect(urlForLogs('redis://user:secret@127.0.0.1:6380/0')).toBe('redis://user:***@127.0.0.1:6380/0');
    expect(urlForLogs('postgres://postgres@127.0.0.1:5432/ratelimit')).toBe('postgres://postgres@127.0.0.1:5432/ratelimit');
  });
});
