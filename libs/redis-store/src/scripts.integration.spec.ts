import { ALGORITHMS, buildCounterKey, buildGlobalCounterKey, type StoreRequest } from '@rl/limiter-core';
import { argvClockPrelude, startRedisServer, type RedisServerHandle } from '@rl/testing';
import { createRedisClient, waitForReady } from './connection';
import { encodeBatch, parseBatchReply } from './batch-codec';
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

  it.each([['plain'], ['cross-slot']] as const)('the %s batch script loads under its local SHA1 and runs every kind by EVALSHA', async (variant) => {
    const { source, sha } = registry.batchScript(variant);
    await expect(client.script('LOAD', source)).resolves.toBe(sha);
    const requests: StoreRequest[] = [
      ...ALGORITHMS.map((algorithm): StoreRequest => ({
        key: buildCounterKey({ policyId: 'scripts-batch', identity: `${variant}-${clockArgs.length}`, algorithm }),
        algorithm,
        limit: 10,
        windowUs: 1_000_000,
        burst: 10,
        cost: 1,
      })),
      { algorithm: 'global_window', key: buildGlobalCounterKey({ policyId: 'scripts-batch', identity: `${variant}-${clockArgs.length}` }), cap: 10, cost: 1, windowMs: 1, expectedStartMs: 0 },
    ];
    const { keys, args } = encodeBatch({ requests, jitterBaseMs: 0, jitterSpanMs: 1_000 });
    const outcomes = parseBatchReply(await client.evalsha(sha, keys.length, ...keys, ...args, ...clockArgs), requests);
    expect(outcomes.slice(0, ALGORITHMS.length)).toEqual(ALGORITHMS.map(() => ({ allowed: true, remaining: 9, resetUs: expect.any(Number), retryAfterUs: 0 })));
    // A cap for window 0 is for another window: nothing counted.
    expect(outcomes[ALGORITHMS.length]).toMatchObject({ allowed: false, matched: false });
  });
});

it('loads the six, global_window and the plain batch script with load()', async () => {
  await client.script('FLUSH');
  const registry = new ScriptRegistry();
  expect(await registry.load(client)).toEqual([...registry.all().map((s) => s.sha), registry.globalWindowScript().sha, registry.batchScript('plain').sha]);
});
