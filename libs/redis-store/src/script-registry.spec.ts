import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReplyError } from 'ioredis';
import { ALGORITHMS } from '@rl/limiter-core';
import { BATCH_CALENDAR_KIND, BATCH_JITTER_STRIDE_MS, BATCH_KINDS, BATCH_LIMIT_WIDTH, BATCH_RECORD_WIDTH, BATCH_STACKED_HEAD } from './batch-codec';
import { composeScript, CROSS_SLOT_SHEBANG, redisTimeClockPrelude, ScriptRegistry, scriptFiles, scriptKeys, sha1, type ScriptRunner } from './script-registry';

const RedisReplyError = ReplyError as new (message: string) => Error;
const lua = (file: string): string => readFileSync(join(__dirname, 'lua', file), 'utf8');

const FUNCTIONS = [...ALGORITHMS, 'global_window', 'calendar_window', 'global_calendar_window'] as const;
/** Functions that decide only as a limit of a stack, in the batch script. */
const STACKED_ONLY: readonly string[] = ['calendar_window', 'global_calendar_window'];
const METER = ['token_bucket', 'gcra', 'leaky_bucket'];
const WINDOW = ['fixed_window'];

describe('ScriptRegistry composition', () => {
  const registry = new ScriptRegistry();

  it.each(ALGORITHMS.map((a) => [a] as const))('%s = clock prelude + common + (meter) + its function + its entry, each once', (algorithm) => {
    const { source, sha } = registry.script(algorithm);
    const files = [
      'lib/common.lua',
      ...(METER.includes(algorithm) ? ['lib/meter.lua'] : []),
      ...(WINDOW.includes(algorithm) ? ['lib/window.lua'] : []),
      `algorithms/${algorithm}.lua`,
      `${algorithm}.lua`,
    ];
    expect(scriptFiles(algorithm)).toEqual(files);
    expect(source).toBe(composeScript([lua('lib/clock.lua'), ...files.map(lua)]));
    expect(source.split("redis.call('TIME')")).toHaveLength(2);
    expect(source.split('local function settle_retry')).toHaveLength(2);
    expect(sha).toBe(sha1(source));
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(registry.sha(algorithm)).toBe(sha);
  });

  it('composes the batch script from every function once, behind one clock prelude', () => {
    const { source, sha } = registry.batchScript('plain');
    const files = ['lib/common.lua', 'lib/meter.lua', 'lib/window.lua', ...FUNCTIONS.map((name) => `algorithms/${name}.lua`), 'batch.lua'];
    expect(scriptFiles('batch')).toEqual(files);
    expect(source).toBe(composeScript([lua('lib/clock.lua'), ...files.map(lua)]));
    expect(source.split("redis.call('TIME')")).toHaveLength(2);
    expect(sha).toBe(sha1(source));
    const crossSlot = registry.batchScript('cross-slot');
    expect(crossSlot.source).toBe(`${CROSS_SLOT_SHEBANG}\n\n${source}`);
    expect(crossSlot.source.startsWith('#!lua flags=allow-cross-slot-keys\n')).toBe(true);
    expect(crossSlot.sha).toBe(sha1(crossSlot.source));
  });

  it('dispatches batch kinds in the order of ALGORITHMS, then global_window, stacked and calendar limits, as BATCH_KINDS encodes them', () => {
    const batch = lua('batch.lua');
    const deciders = /local DECIDERS = \{ ([^}]*) \}/.exec(batch)?.[1].split(', ') ?? [];
    expect(deciders).toEqual([...ALGORITHMS, 'global_window']);
    for (const name of deciders) expect(BATCH_KINDS[name as keyof typeof BATCH_KINDS]).toBe(deciders.indexOf(name) + 1);
    expect(/local STACKED = (\d+)/.exec(batch)?.[1]).toBe(String(BATCH_KINDS.stacked));
    expect(/local CALENDAR_WINDOW = (\d+)/.exec(batch)?.[1]).toBe(String(BATCH_CALENDAR_KIND));
    expect(/local STACKED_HEAD = (\d+)/.exec(batch)?.[1]).toBe(String(BATCH_STACKED_HEAD));
    expect(/local LIMIT_WIDTH = (\d+)/.exec(batch)?.[1]).toBe(String(BATCH_LIMIT_WIDTH));
    const keyCounts = /local KEY_COUNTS = \{ ([^}]*) \}/.exec(batch)?.[1].split(', ').map(Number);
    expect(keyCounts).toEqual(deciders.map((name) => (name === 'global_window' ? 1 : scriptKeys(name as (typeof ALGORITHMS)[number], 'rl:{p:u}:x').length)));
    expect(/local JITTER_STRIDE_MS = (\d+)/.exec(lua('batch.lua'))?.[1]).toBe(String(BATCH_JITTER_STRIDE_MS));
    expect(/local RECORD_WIDTH = (\d+)/.exec(lua('batch.lua'))?.[1]).toBe(String(BATCH_RECORD_WIDTH));
  });

  it('computes SHA1 as Redis does (hex of the UTF-8 source)', () => {
    expect(sha1('return 1')).toBe('e0e1f9fabfc9d4800c877a703b823ac0578ff8db');
  });

  it('defines every helper once across each composed script', () => {
    for (const { source } of [...registry.all(), registry.globalWindowScript(), registry.batchScript('plain')]) {
      const names = [...source.matchAll(/local function (\w+)/g)].map((m) => m[1]);
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it('swaps the clock prelude, which changes every SHA', () => {
    const prelude = 'local now = tonumber(ARGV[#ARGV]) -- the last ARGV: now, for tests\n';
    const swapped = new ScriptRegistry({ clockPrelude: prelude });
    for (const algorithm of ALGORITHMS) {
      expect(swapped.script(algorithm).source.startsWith(prelude)).toBe(true);
      expect(swapped.script(algorithm).source).not.toContain("redis.call('TIME')");
      expect(swapped.sha(algorithm)).not.toBe(registry.sha(algorithm));
    }
    expect(swapped.batchScript('plain').source.startsWith(prelude)).toBe(true);
    expect(swapped.batchScript('cross-slot').source.startsWith(`${CROSS_SLOT_SHEBANG}\n\n${prelude}`)).toBe(true);
    expect(redisTimeClockPrelude()).toContain("redis.call('TIME')");
  });

  /** Where a function file reads keys[i] and args[i]: each once, on its own commented line, at the top of the function. */
  function layoutOf(file: string): { refs: string[]; lines: string[] } {
    const lines = lua(file).split('\n');
    const start = lines.findIndex((line) => /^local function \w+\(keys, args, dry_run\)$/.test(line));
    expect(start).toBeGreaterThan(0);
    const reads = lines.flatMap((line, index) => [...line.matchAll(/(keys|args)\[(\d+)\]/g)].map((m) => ({ ref: `${m[1]}[${m[2]}]`, line, index })));
    for (const { line, index } of reads) {
      expect(line).toMatch(/^ {2}(local \w+ = (tonumber\()?(keys|args)\[\d+\]\)? +-- \S|-- args\[\d+\] )/);
      expect(index).toBeGreaterThan(start);
      expect(index).toBeLessThan(start + 9);
    }
    return { refs: reads.map((r) => r.ref), lines };
  }

  it.each(FUNCTIONS.map((name) => [name] as const))('%s: its function reads each keys[i] and args[i] once, on its own commented line at the top', (name) => {
    const file = METER.includes(name) ? 'lib/meter.lua' : `algorithms/${name}.lua`;
    const { refs } = layoutOf(file);
    expect(new Set(refs).size).toBe(refs.length);
    const keys = name === 'sliding_log' ? ['keys[1]', 'keys[2]'] : ['keys[1]'];
    expect(refs.filter((r) => r.startsWith('keys'))).toEqual(keys);
    const argCount = STACKED_ONLY.includes(name) ? 6 : 5;
    expect(refs.filter((r) => r.startsWith('args'))).toEqual(Array.from({ length: argCount }, (_, i) => `args[${i + 1}]`));
    if (METER.includes(name)) expect(lua(`algorithms/${name}.lua`)).toMatch(new RegExp(`^local ${name} = meter$`, 'm'));
  });

  it.each(FUNCTIONS.filter((name) => !STACKED_ONLY.includes(name)).map((name) => [name] as const))('%s: its single-decision entry passes KEYS and ARGV to the function, never a dry run', (name) => {
    const code = lua(`${name}.lua`)
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('--'));
    expect(code).toEqual([`return ${name}(KEYS, ARGV, false)`]);
  });

  it('the batch script reads its header ARGV once each, on commented lines, and documents the rest', () => {
    const lines = lua('batch.lua').split('\n');
    const header = lines.filter((line) => /ARGV\[[1-4]\]/.test(line) && !line.startsWith('--'));
    expect(header.map((line) => /ARGV\[(\d)\]/.exec(line)?.[1])).toEqual(['1', '2', '3', '4']);
    for (const line of header) expect(line).toMatch(/^local \w+ = tonumber\(ARGV\[\d\]\) +-- \S/);
    expect(lines).toContain('-- ARGV[5 .. 4 + carried]: the carried keys, in decision order');
    expect(lines.some((line) => line.startsWith('-- ARGV[5 + carried ..]:'))).toBe(true);
  });

  it('reads no KEYS or ARGV in the shared blocks and the function files', () => {
    for (const file of ['lib/common.lua', 'lib/clock.lua', 'lib/meter.lua', 'lib/window.lua', ...FUNCTIONS.map((name) => `algorithms/${name}.lua`)]) {
      expect({ file, reads: /KEYS\[|ARGV\[/.test(lua(file)) }).toEqual({ file, reads: false });
    }
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
