import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReplyError } from 'ioredis';
import { composeScript, ScriptRegistry, sha1, type ScriptRunner } from './script-registry';
import { parseGlobalWindowReply } from './redis-counter-store';
import { StoreUnavailableError } from './errors';

const RedisReplyError = ReplyError as new (message: string) => Error;
const lua = (file: string): string => readFileSync(join(__dirname, 'lua', file), 'utf8');

describe('global_window.lua in the registry', () => {
  const registry = new ScriptRegistry();

  it('is clock prelude + common + its function + its entry, with its own SHA1', () => {
    const { source, sha } = registry.globalWindowScript();
    expect(source).toBe(composeScript([lua('lib/clock.lua'), lua('lib/common.lua'), lua('algorithms/global_window.lua'), lua('global_window.lua')]));
    expect(source.split("redis.call('TIME')")).toHaveLength(2);
    expect(sha).toBe(sha1(source));
  });

  it('runs by EVALSHA, falls back to EVAL on NOSCRIPT only, never replays after other failures', async () => {
    const call = { keys: ['rl:{p:u}:gw'], args: [10, 60_000, 1, 0, 1_700_000_040_000] } as const;
    const ok = [1, 9, 1, 0, 1_700_000_040_000, 1, 1];
    const noscript: ScriptRunner & { eval: jest.Mock } = {
      evalsha: jest.fn(async () => {
        throw new RedisReplyError('NOSCRIPT No matching script. Please use EVAL.');
      }),
      eval: jest.fn(async () => ok),
    };
    await expect(registry.runGlobalWindow(noscript, call)).resolves.toEqual(ok);
    expect(noscript.eval).toHaveBeenCalledWith(registry.globalWindowScript().source, 1, ...call.keys, ...call.args);

    const timeout = new Error('Command timed out');
    const failing: ScriptRunner & { eval: jest.Mock } = {
      evalsha: jest.fn(async () => {
        throw timeout;
      }),
      eval: jest.fn(async () => ok),
    };
    await expect(registry.runGlobalWindow(failing, call)).rejects.toBe(timeout);
    expect(failing.eval).not.toHaveBeenCalled();
  });
});

describe('parseGlobalWindowReply', () => {
  it('reads the seven integers', () => {
    expect(parseGlobalWindowReply([0, 3, 5, 7, 60_000, 4, 1])).toEqual({
      allowed: false,
      remaining: 3,
      resetUs: 5,
      retryAfterUs: 7,
      windowStartMs: 60_000,
      count: 4,
      matched: true,
    });
  });

  it.each([[null], [[1, 2, 3, 4]], [[2, 0, 0, 0, 0, 0, 1]], [[1, 0, 0, 0, 0, 0, 2]], [[1, '0', 0, 0, 0, 0, 1]]])('rejects %j', (reply) => {
    expect(() => parseGlobalWindowReply(reply)).toThrow(StoreUnavailableError);
  });
});
