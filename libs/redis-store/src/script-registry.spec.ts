import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReplyError } from 'ioredis';
import { ALGORITHMS } from '@rl/limiter-core';
import { composeScript, redisTimeClockPrelude, ScriptRegistry, scriptKeys, sha1, type ScriptRunner } from './script-registry';

const RedisReplyError = ReplyError as new (message: string) => Error;
const lua = (file: string): string => readFileSync(join(__dirname, 'lua', file), 'utf8');

describe('ScriptRegistry composition', () => {
  const registry = new ScriptRegistry();

  it.each(ALGORITHMS.map((a) => [a] as const))('%s = clock prelude + common + algorithm, each once', (algorithm) => {
    const { source, sha } = registry.script(algorithm);
    expect(source).toBe(composeScript([lua('lib/clock.lua'), lua('lib/common.lua'), lua(`${algorithm}.lua`)]));
    expect(source.split("redis.call('TIME')")).toHaveLength(2);
    expect(source.split('local function settle_retry')).toHaveLength(2);
    expect(sha).toBe(sha1(source));
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(registry.sha(algorithm)).toBe(sha);
  });

  it('computes SHA1 as Redis does (hex of the UTF-8 source)', () => {
    expect(sha1('return 1')).toBe('e0e1f9fabfc9d4800c877a703b823ac0578ff8db');
  });

  it('defines every helper once across the composed script', () => {
    for (const { source } of registry.all()) {
      const names = [...source.matchAll(/local function (\w+)/g)].map((m) => m[1]);
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it('swaps the clock prelude, which changes every SHA', () => {
    const prelude = 'local now = tonumber(ARGV[6]) -- ARGV[6]: now, for tests\n';
    const swapped = new ScriptRegistry({ clockPrelude: prelude });
    for (const algorithm of ALGORITHMS) {
      expect(swapped.script(algorithm).source.startsWith(prelude)).toBe(true);
      expect(swapped.script(algorithm).source).not.toContain("redis.call('TIME')");
      expect(swapped.sha(algorithm)).not.toBe(registry.sha(algorithm));
    }
    expect(redisTimeClockPrelude()).toContain("redis.call('TIME')");
  });

  it.each(ALGORITHMS.map((a) => [a] as const))('%s reads each KEYS[i] and ARGV[i] once, on its own commented line at the top', (algorithm) => {
    const lines = lua(`${algorithm}.lua`).split('\n');
    const reads = lines.flatMap((line, index) => [...line.matchAll(/(KEYS|ARGV)\[(\d+)\]/g)].map((m) => ({ ref: `${m[1]}[${m[2]}]`, line, index })));
    const refs = reads.map((r) => r.ref);
    expect(new Set(refs).size).toBe(refs.length);
    const keys = algorithm === 'sliding_log' ? ['KEYS[1]', 'KEYS[2]'] : ['KEYS[1]'];
    expect(refs.filter((r) => r.startsWith('KEYS'))).toEqual(keys);
    expect(refs.filter((r) => r.startsWith('ARGV'))).toEqual(['ARGV[1]', 'ARGV[2]', 'ARGV[3]', 'ARGV[4]', 'ARGV[5]']);
    const firstCode = lines.findIndex((line) => line.trim() !== '' && !line.startsWith('--'));
    for (const { line, index } of reads) {
      expect(line).toMatch(/^(local \w+ = (tonumber\()?(KEYS|ARGV)\[\d+\]\)? +-- \S|-- ARGV\[\d+\] )/);
      expect(index).toBeLessThan(firstCode + 8);
    }
  });

  it('reads no KEYS or ARGV in the shared blocks', () => {
    expect(lua('lib/common.lua')).not.toMatch(/KEYS\[|ARGV\[/);
    expect(lua('lib/clock.lua')).not.toMatch(/KEYS\[|ARGV\[/);
  });
});

describe('scriptKeys', () => {
  it('gives the single-key scripts the counter key itself', () => {
    for (const algorithm of ALGORITHMS.filter((a) => a !== 'sliding_log')) {
      expect(scriptKeys(algorithm, 'rl:{p:u}:tb')).toEqual(['rl:{p:u}:tb']);
    }
  });

  it('derives the sliding-log sequence key inside the same hash tag', () => {
    const keys = scriptKeys('sliding_log', 'rl:{p:u}:sl');
    expect(keys).toEqual(['rl:{p:u}:sl', 'rl:{p:u}:sl:seq']);
    const tag = (key: string): string | undefined => /\{([^}]*)\}/.exec(key)?.[1];
    expect(tag(keys[1])).toBe(tag(keys[0]));
  });
});

describe('ScriptRegistry.run', () => {
  const registry = new ScriptRegistry();
  const args = [10, 1_000_000, 10, 1, 0] as const;

  function fakeClient(evalshaOutcome: () => Promise<unknown>): ScriptRunner & { evalsha: jest.Mock; eval: jest.Mock } {
    return {
      evalsha: jest.fn(evalshaOutcome),
      eval: jest.fn(async () => [1, 9, 100_000, 0]),
    };
  }

  it('runs by EVALSHA with the keys and arguments in order', async () => {
    const client = fakeClient(async () => [1, 9, 100_000, 0]);
    await expect(registry.run(client, { algorithm: 'token_bucket', keys: ['rl:{p:u}:tb'], args })).resolves.toEqual([1, 9, 100_000, 0]);
    expect(client.evalsha).toHaveBeenCalledWith(registry.sha('token_bucket'), 1, 'rl:{p:u}:tb', ...args);
    expect(client.eval).not.toHaveBeenCalled();
  });

  it('falls back to EVAL, once, on a NOSCRIPT reply', async () => {
    const client = fakeClient(async () => {
      throw new RedisReplyError('NOSCRIPT No matching script. Please use EVAL.');
    });
    await expect(registry.run(client, { algorithm: 'sliding_log', keys: ['rl:{p:u}:sl', 'rl:{p:u}:sl:seq'], args })).resolves.toEqual([1, 9, 100_000, 0]);
    expect(client.eval).toHaveBeenCalledTimes(1);
    expect(client.eval).toHaveBeenCalledWith(registry.script('sliding_log').source, 2, 'rl:{p:u}:sl', 'rl:{p:u}:sl:seq', ...args);
  });

  it.each([
    ['a timeout', new Error('Command timed out')],
    ['a closed connection', new Error('Connection is closed.')],
    ['another error reply', new RedisReplyError('BUSY Redis is busy running a script.')],
    ['client text that merely mentions NOSCRIPT', new Error('NOSCRIPT No matching script')],
  ])('never replays after %s', async (_what, failure) => {
    const client = fakeClient(async () => {
      throw failure;
    });
    await expect(registry.run(client, { algorithm: 'gcra', keys: ['rl:{p:u}:gc'], args })).rejects.toBe(failure);
    expect(client.evalsha).toHaveBeenCalledTimes(1);
    expect(client.eval).not.toHaveBeenCalled();
  });
});
