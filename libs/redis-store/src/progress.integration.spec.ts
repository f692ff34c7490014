import type { Redis } from 'ioredis';
import { startRedisServer, type RedisServerHandle } from '@rl/testing';
import { createRedisClient, waitForReady } from './connection';
import { withProgressDeadline } from './deadline';
import { StoreTimeoutError } from './errors';
import { ConnectionProgress } from './progress';

/**
 * The decision deadline judges Redis by what its connection delivers, against a real redis-server:
 * a queue of our own commands is slow but never a failure; a stopped server is one, within two
 * deadlines.
 */

const DEADLINE_MS = 50; // REDIS_COMMAND_TIMEOUT_MS as `npm start` sets it

let server: RedisServerHandle;
let client: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  client = createRedisClient({ url: server.url }, { commandTimeoutMs: 5_000 }) as Redis;
  await waitForReady(client, 10_000);
});

afterAll(async () => {
  client?.disconnect();
  await server?.stop();
});

const guarded = <T>(work: Promise<T>): Promise<T> => withProgressDeadline(work, 'test', { ms: DEADLINE_MS, progress: () => ConnectionProgress.of(client).received });

it('counts data arriving on the connection', async () => {
  const before = ConnectionProgress.of(client).received;
  await client.ping();
  expect(ConnectionProgress.of(client).received).toBeGreaterThan(before);
  expect(ConnectionProgress.of(client)).toBe(ConnectionProgress.of(client));
});

it('never times out a long queue of our own commands while Redis works through it', async () => {
  // Far more work than Redis can answer within one deadline: the last replies come long after it,
  // but the connection delivers data all along.
  const script = "local n = 0 for i = 1, 200 do n = n + i end return n";
  const started = performance.now();
  const replies = await Promise.allSettled(Array.from({ length: 20_000 }, () => guarded(client.eval(script, 0))));
  const elapsed = performance.now() - started;
  expect(replies.filter((r) => r.status === 'rejected')).toEqual([]);
  expect(elapsed).toBeGreaterThan(DEADLINE_MS);
});

it('detects a stopped server within two deadlines, and recovers once it continues', async () => {
  server.process.child.kill('SIGSTOP');
  try {
    const started = performance.now();
    const outcome = await guarded(client.ping()).then(
      () => 'answered',
      (error: unknown) => error,
    );
    const waited = performance.now() - started;
    expect(outcome).toBeInstanceOf(StoreTimeoutError);
    // About one deadline by design; the bound only tells it apart from the client's 2 s backstop.
    expect(waited).toBeLessThan(250);
  } finally {
    server.process.child.kill('SIGCONT');
  }
  await expect(guarded(client.ping())).resolves.toBe('PONG');
});
