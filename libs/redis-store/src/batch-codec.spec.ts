import { StoreUnavailableError, type StoreRequest } from '@rl/limiter-core';
import { BATCH_CALENDAR_KIND, BATCH_KINDS, batchJitterMs, BatchEntryNotRunError, encodeBatch, parseBatchReply, requestKeys } from './batch-codec';

const tb: StoreRequest = { key: 'rl:{p:a}:tu', algorithm: 'token_bucket', limit: 10, windowUs: 1_000_000, burst: 20, cost: 2 };
const sl: StoreRequest = { key: 'rl:{p:b}:sl', algorithm: 'sliding_log', limit: 5, windowUs: 60_000_000, burst: 5, cost: 0, dryRun: true };
const gw: StoreRequest = { algorithm: 'global_window', key: 'rl:{p:c}:gw', cap: 7, cost: 1, windowMs: 60_000, expectedStartMs: 1_700_000_040_000 };

const calendar = { startUs: 1_700_000_000_000_000, endUs: 1_702_592_000_000_000, nextEndUs: 1_705_270_400_000_000 };
const st: StoreRequest = {
  algorithm: 'stacked',
  key: 'rl:{p:d}:st',
  cost: 3,
  limits: [
    { key: 'rl:{p:d}:burst:gu', algorithm: 'gcra', limit: 10, windowUs: 1_000_000, burst: 10 },
    { key: 'rl:{p:d}:recent:sl', algorithm: 'sliding_log', limit: 50, windowUs: 60_000_000, burst: 50 },
    { key: 'rl:{p:d}:month:cw', algorithm: 'fixed_window', limit: 1_000, windowUs: 1, burst: 1_000, calendar },
  ],
};

describe('encodeBatch', () => {
  it('writes a stack as one record of its limits, with every limit\'s keys in order', () => {
    expect(requestKeys(st)).toEqual(['rl:{p:d}:burst:gu', 'rl:{p:d}:recent:sl', 'rl:{p:d}:recent:sl:seq', 'rl:{p:d}:month:cw']);
    expect(encodeBatch({ requests: [st, tb], jitterBaseMs: 0, jitterSpanMs: 1 })).toEqual({
      keys: ['rl:{p:d}:burst:gu', 'rl:{p:d}:recent:sl', 'rl:{p:d}:recent:sl:seq', 'rl:{p:d}:month:cw', 'rl:{p:a}:tu'],
      args: [
        2, 0, 0, 1,
        BATCH_KINDS.stacked, 0, 3, 3,
        BATCH_KINDS.gcra, 10, 1_000_000, 10, 0,
        BATCH_KINDS.sliding_log, 50, 60_000_000, 50, 0,
        BATCH_CALENDAR_KIND, 1_000, calendar.startUs, calendar.endUs, calendar.nextEndUs,
        BATCH_KINDS.token_bucket, 0, 10, 1_000_000, 20, 2,
      ],
    });
  });


  it('declares every key in decision order and writes one record per decision', () => {
    expect(encodeBatch({ requests: [tb, sl, gw], jitterBaseMs: 250, jitterSpanMs: 1_000 })).toEqual({
      keys: ['rl:{p:a}:tu', 'rl:{p:b}:sl', 'rl:{p:b}:sl:seq', 'rl:{p:c}:gw'],
      args: [
        3, 0, 250, 1_000,
        BATCH_KINDS.token_bucket, 0, 10, 1_000_000, 20, 2,
        BATCH_KINDS.sliding_log, 1, 5, 60_000_000, 5, 0,
        BATCH_KINDS.global_window, 0, 7, 60_000, 1, 1_700_000_040_000,
      ],
    });
  });

  it('carries the keys of the requests after `declared` in ARGV, before the records', () => {
    const { keys, args } = encodeBatch({ requests: [tb, sl, gw], declared: 1, jitterBaseMs: 0, jitterSpanMs: 1 });
    expect(keys).toEqual(['rl:{p:a}:tu']);
    expect(args.slice(0, 7)).toEqual([3, 3, 0, 1, 'rl:{p:b}:sl', 'rl:{p:b}:sl:seq', 'rl:{p:c}:gw']);
    expect(args).toHaveLength(7 + 3 * 6);
  });

  it('numbers the kinds as batch.lua dispatches them', () => {
    expect(BATCH_KINDS).toEqual({ token_bucket: 1, gcra: 2, sliding_window: 3, sliding_log: 4, fixed_window: 5, leaky_bucket: 6, global_window: 7, stacked: 8 });
    expect(BATCH_CALENDAR_KIND).toBe(9);
  });
});

describe('parseBatchReply of a stack', () => {
  it('reads each limit and names the most constraining one', () => {
    const [denied] = parseBatchReply([[0, 1, 7, 900, 0, 0, 0, 30_000, 400, 1, 990, 5_000, 0]], [st]);
    expect(denied).toEqual({
      allowed: false,
      remaining: 0,
      resetUs: 30_000,
      retryAfterUs: 400,
      constraining: 1,
      limits: [
        { allowed: true, remaining: 7, resetUs: 900, retryAfterUs: 0 },
        { allowed: false, remaining: 0, resetUs: 30_000, retryAfterUs: 400 },
        { allowed: true, remaining: 990, resetUs: 5_000, retryAfterUs: 0 },
      ],
    });
    const [admitted] = parseBatchReply([[1, 1, 9, 100, 0, 1, 3, 200, 0, 1, 997, 300, 0]], [st]);
    expect(admitted).toMatchObject({ allowed: true, remaining: 3, constraining: 1 });
    const [short] = parseBatchReply([[1, 1, 9, 100, 0]], [st]);
    expect(short).toBeInstanceOf(StoreUnavailableError);
  });
});

describe('batchJitterMs', () => {
  it('spreads the decisions of one call over the span with a prime stride', () => {
    const jitters = Array.from({ length: 1_000 }, (_, index) => batchJitterMs({ baseMs: 250, spanMs: 1_000, index }));
    expect(jitters.slice(0, 4)).toEqual([250, 629, 8, 387]);
    expect(new Set(jitters).size).toBe(1_000);
    expect(Math.min(...jitters)).toBe(0);
    expect(Math.max(...jitters)).toBe(999);
  });
});

describe('parseBatchReply', () => {
  it('reads each entry by its request kind', () => {
    expect(parseBatchReply([[1, 18, 200_000, 0], [1, 5, 0, 0], [0, 0, 5, 9, 1_700_000_040_000, 7, 1]], [tb, sl, gw])).toEqual([
      { allowed: true, remaining: 18, resetUs: 200_000, retryAfterUs: 0 },
      { allowed: true, remaining: 5, resetUs: 0, retryAfterUs: 0 },
      { allowed: false, remaining: 0, resetUs: 5, retryAfterUs: 9, windowStartMs: 1_700_000_040_000, count: 7, matched: true },
    ]);
  });

  it('turns an entry that did not run, or failed, into a StoreUnavailableError of its own', () => {
    const [notRun, failed, ok] = parseBatchReply(
      [['not_run', 'ERR Script attempted to access a non local key in a cluster node'], ['failed', 'WRONGTYPE Operation against a key holding the wrong kind of value'], [1, 0, 1, 0]],
      [tb, sl, tb],
    );
    expect(notRun).toBeInstanceOf(BatchEntryNotRunError);
    expect(notRun).toMatchObject({ code: 'ERR', message: 'batch entry 0 (token_bucket): ERR Script attempted to access a non local key in a cluster node' });
    expect(failed).toBeInstanceOf(StoreUnavailableError);
    expect(failed).not.toBeInstanceOf(BatchEntryNotRunError);
    expect(failed).toMatchObject({ code: 'WRONGTYPE', message: 'batch entry 1 (sliding_log): WRONGTYPE Operation against a key holding the wrong kind of value' });
    expect(ok).toEqual({ allowed: true, remaining: 0, resetUs: 1, retryAfterUs: 0 });
  });

  it.each([
    ['a global reply for a regional request', [[1, 0, 0, 0, 0, 0, 1]]],
    ['a flag that is not 0 or 1', [[2, 0, 0, 0]]],
    ['a string', [['1', 0, 0, 0]]],
    ['a negative figure', [[1, -1, 0, 0]]],
    ['a fraction', [[1, 0.5, 0, 0]]],
    ['nil', [null]],
    ['an unknown failure word', [['oops', 'x']]],
  ])('names the entry of a malformed reply (%s)', (_what, reply) => {
    const [outcome] = parseBatchReply(reply, [tb]);
    expect(outcome).toBeInstanceOf(StoreUnavailableError);
    expect((outcome as StoreUnavailableError).message).toMatch(/^batch entry 0 \(token_bucket\): unexpected reply /);
  });

  it('fails every entry, each by name, when the reply as a whole has the wrong shape', () => {
    for (const reply of [null, 'OK', [[1, 0, 0, 0]], [[1, 0, 0, 0], [1, 0, 0, 0], [1, 0, 0, 0]]]) {
      const outcomes = parseBatchReply(reply, [tb, gw]);
      expect(outcomes).toHaveLength(2);
      expect(outcomes.map((o) => (o as StoreUnavailableError).message)).toEqual([
        expect.stringMatching(/^batch entry 0 \(token_bucket\): the batch script replied .*, not 2 entries$/),
        expect.stringMatching(/^batch entry 1 \(global_window\): the batch script replied .*, not 2 entries$/),
      ]);
      for (const outcome of outcomes) expect(outcome).toBeInstanceOf(StoreUnavailableError);
    }
  });
});
