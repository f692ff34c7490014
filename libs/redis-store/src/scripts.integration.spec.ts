import { ALGORITHMS, buildCounterKey } from '@rl/limiter-core';
import { argvClockPrelude, startRedisServer, type RedisServerHandle } from '@rl/testing';
import { createRedisClient, waitForReady } from './connection';
import { parseDecisionReply } from './redis-counter-store';
import { ScriptRegistry, scriptKeys, type RedisClient } from './script-registry';

/** Every composed script is valid Lua for Redis: it loads under its local SHA1 and runs. */

let server: RedisServerHandle;
let client: RedisClient;

beforeAll(async () => {
  server = await startRedisServer();
  client = createRedisClient({ url: server.url }, { commandTimeoutMs: 5_000 });
  await waitForReady(client, 10_000);
});

afterAll(async () => {
  client?.disconnect();
  await server?.stop();
});

describe.each([
  ['Redis TIME clock', () => new ScriptRegistry(), []],
  ['argv test clock', () => new ScriptRegistry({ clockPrelude: argvClockPrelude() }), [1_700_000_000_000_000]],
] as const)('scripts with the %s', (_clock, makeRegistry, clockArgs) => {
  const registry = makeRegistry();

  it.each(ALGORITHMS.map((a) => [a] as const))('%s loads under its local SHA1 and runs by EVALSHA', async (algorithm) => {
    const { source, sha } = registry.script(algorithm);
    await expect(client.script('LOAD', source)).resolves.toBe(sha);
    const keys = scriptKeys(algorithm, buildCounterKey({ policyId: 'scripts', identity: `${algorithm}-${clockArgs.length}`, algorithm }));
    const reply = await client.evalsha(sha, keys.length, ...keys, 10, 1_000_000, 10, 1, 0, ...clockArgs);
    expect(parseDecisionReply(reply, algorithm)).toEqual({ allowed: true, remaining: 9, resetUs: expect.any(Number), retryAfterUs: 0 });
    for (const key of keys) expect(await client.pttl(key)).toBeGreaterThan(0);
  });
});

it('loads all six and global_window with load()', async () => {
  await client.script('FLUSH');
  const registry = new ScriptRegistry();
  expect(await registry.load(client)).toEqual([...registry.all().map((s) => s.sha), registry.globalWindowScript().sha]);
});
