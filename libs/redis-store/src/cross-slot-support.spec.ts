import { ReplyError, type Redis } from 'ioredis';
import { CrossSlotSupport, supportsCrossSlotScripts } from './cross-slot-support';

const RedisReplyError = ReplyError as new (message: string) => Error;

/** A node whose INFO answers `info` (or fails with it), over a connection that can be swapped. */
function node(info: () => Promise<string>): { redis: Redis; info: jest.Mock; reconnect(): void } {
  const fake = { stream: {}, info: jest.fn(info) };
  return { redis: fake as unknown as Redis, info: fake.info, reconnect: () => void (fake.stream = {}) };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('supportsCrossSlotScripts', () => {
  it('is true from Redis 7.0 on', () => {
    expect(supportsCrossSlotScripts('# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:0\r\n')).toBe(true);
    expect(supportsCrossSlotScripts('redis_version:7.4.1\r\n')).toBe(true);
    expect(supportsCrossSlotScripts('redis_version:10.0.0\r\n')).toBe(true);
    expect(supportsCrossSlotScripts('redis_version:6.2.14\r\n')).toBe(false);
    expect(supportsCrossSlotScripts('# Server\r\n')).toBe(false);
  });
});

describe('CrossSlotSupport', () => {
  it('answers false until every node is known, asking each connection once', async () => {
    const support = new CrossSlotSupport();
    const a = node(async () => 'redis_version:7.0.15\r\n');
    const b = node(async () => 'redis_version:7.2.0\r\n');
    expect(support.everyNode([a.redis, b.redis])).toBe(false);
    expect(support.everyNode([a.redis, b.redis])).toBe(false);
    await flush();
    expect(support.everyNode([a.redis, b.redis])).toBe(true);
    expect(a.info).toHaveBeenCalledTimes(1);
    a.reconnect();
    expect(support.everyNode([a.redis, b.redis])).toBe(false);
    await flush();
    expect(support.everyNode([a.redis, b.redis])).toBe(true);
    expect(a.info).toHaveBeenCalledTimes(2);
    expect(b.info).toHaveBeenCalledTimes(1);
  });

  it('is false while one node runs an older Redis, or refuses INFO; a lost reply is asked again', async () => {
    const support = new CrossSlotSupport();
    const recent = node(async () => 'redis_version:7.0.0\r\n');
    const old = node(async () => 'redis_version:6.2.6\r\n');
    expect(await support.checkAll([recent.redis, old.redis])).toBe(false);
    expect(support.everyNode([recent.redis, old.redis])).toBe(false);
    const refusing = node(async () => {
      throw new RedisReplyError("NOPERM this user has no permissions to run the 'info' command");
    });
    expect(await support.checkAll([refusing.redis])).toBe(false);
    expect(await support.checkAll([refusing.redis])).toBe(false);
    expect(refusing.info).toHaveBeenCalledTimes(1);
    const flaky = node(async () => {
      throw new Error('Command timed out');
    });
    expect(await support.checkAll([flaky.redis])).toBe(false);
    flaky.info.mockImplementation(async () => 'redis_version:7.0.15\r\n');
    expect(await support.checkAll([flaky.redis])).toBe(true);
    expect(support.everyNode([])).toBe(false);
  });
});
