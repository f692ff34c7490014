import { startTcpProxy, waitFor } from '@rl/devstack';
import { connect, nanos, StorageType, type NatsConnection } from 'nats';
import pino from 'pino';
import { NatsConnector } from './nats-connector';
import { OrderedStreamReader, type StreamMessage } from './ordered-stream-reader';

/**
 * The ordered-consumer helper against the real JetStream on 127.0.0.1:4222, one stream per test.
 * "Caught up" must mean "nothing left to read", whatever happened to the stream's messages.
 */

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const encoder = new TextEncoder();
const decoder = new TextDecoder();

let nc: NatsConnection;
let stream: string;
let subject: string;
const readers: OrderedStreamReader[] = [];

beforeAll(async () => {
  nc = await connect({ servers: 'nats://127.0.0.1:4222', name: 'ordered-stream-reader tests' });
});

afterAll(async () => {
  await nc?.close();
});

beforeEach(async () => {
  stream = `READER_${process.pid}_${Math.random().toString(36).slice(2, 10)}`.toUpperCase();
  subject = `reader${process.pid}${Math.random().toString(36).slice(2, 8)}`;
});

afterEach(async () => {
  for (const reader of readers.splice(0)) await reader.close();
  await (await nc.jetstreamManager()).streams.delete(stream).catch(() => false);
});

async function createStream(input: { maxAgeMs?: number } = {}): Promise<void> {
  await (await nc.jetstreamManager()).streams.add({
    name: stream,
    subjects: [`${subject}.>`],
    storage: StorageType.Memory,
    ...(input.maxAgeMs === undefined ? {} : { max_age: nanos(input.maxAgeMs) }),
  });
}

async function publish(count: number, to = 'a', from = 0): Promise<void> {
  const js = nc.jetstream();
  for (let i = 0; i < count; i++) await js.publish(`${subject}.${to}`, encoder.encode(String(from + i)));
}

function startReader(input: { from?: 'first' | 'next'; filter?: string; onMessage?: (m: StreamMessage) => void } = {}) {
  const seen: StreamMessage[] = [];
  const events: string[] = [];
  const reader = new OrderedStreamReader({
    connection: () => nc,
    stream,
    filterSubjects: input.filter ?? `${subject}.a`,
    from: input.from ?? 'first',
    label: 'test reader',
    logger,
    retry: { initialMs: 20, maxMs: 200 },
    onMessage: (message) => {
      seen.push(message);
      input.onMessage?.(message);
    },
    onCaughtUp: () => events.push(`caught up after ${seen.length}`),
    onPositioned: () => events.push('positioned'),
  });
  readers.push(reader);
  reader.start();
  return { reader, seen, events, values: () => seen.map((m) => Number(decoder.decode(m.data))) };
}

describe('OrderedStreamReader on a real JetStream stream', () => {
  it('an empty stream is caught up at once, and what is published next is delivered', async () => {
    await createStream();
    const { reader, events, values } = startReader();
    await waitFor('caught up', async () => reader.caughtUp, 10_000);
    expect(events).toEqual(['positioned', 'caught up after 0']);
    await publish(3);
    await waitFor('three messages', async () => values().length === 3, 10_000);
    expect(values()).toEqual([0, 1, 2]);
    expect(reader.problem()).toBeUndefined();
  });

  it('messages expired by max age: caught up at once although the stream never reaches its last sequence again', async () => {
    await createStream({ maxAgeMs: 1_000 });
    await publish(14);
    const jsm = await nc.jetstreamManager();
    await waitFor('every message expired', async () => (await jsm.streams.info(stream)).state.messages === 0, 15_000, 100);
    expect((await jsm.streams.info(stream)).state.last_seq).toBe(14);

    const { reader, seen, events } = startReader();
    await waitFor('caught up', async () => reader.caughtUp, 10_000);
    expect(seen).toEqual([]);
    expect(events).toEqual(['positioned', 'caught up after 0']);
    await publish(1, 'a', 99);
    await waitFor('the new message', async () => seen.length === 1, 10_000);
    expect(seen[0].seq).toBe(15);
  });

  it('a purged stream is caught up at once', async () => {
    await createStream();
    await publish(20);
    await (await nc.jetstreamManager()).streams.purge(stream);
    const { reader, seen } = startReader();
    await waitFor('caught up', async () => reader.caughtUp, 10_000);
    expect(seen).toEqual([]);
  });

  it('a stream holding only messages the filter does not match is caught up at once', async () => {
    await createStream();
    await publish(10, 'b');
    const { reader, seen } = startReader({ filter: `${subject}.a` });
    await waitFor('caught up', async () => reader.caughtUp, 10_000);
    expect(seen).toEqual([]);
  });

  it('a stream still being written: caught up only after every message there at the start, in order, without gaps', async () => {
    await createStream();
    await publish(300);
    let written = 300;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        await publish(1, 'a', written);
        written += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    let readAtCaughtUp = -1;
    const started = startReader();
    await waitFor('caught up', async () => started.reader.caughtUp, 20_000);
    readAtCaughtUp = started.seen.length;
    writing = false;
    await writer;
    expect(readAtCaughtUp).toBeGreaterThanOrEqual(300);
    await waitFor('every message', async () => started.seen.length === written, 10_000);
    expect(started.values()).toEqual(Array.from({ length: written }, (_, i) => i));
    expect(started.events.filter((e) => e.startsWith('caught up'))).toHaveLength(1);
  });

  it('from "next": skips what the stream holds and reads what comes after', async () => {
    await createStream();
    await publish(5);
    const { reader, values, events } = startReader({ from: 'next' });
    await waitFor('caught up', async () => reader.caughtUp, 10_000);
    await publish(2, 'a', 100);
    await waitFor('two messages', async () => values().length === 2, 10_000);
    expect(values()).toEqual([100, 101]);
    expect(events[0]).toBe('positioned');
  });

  it('rewind reads everything again from the start; a re-created stream is read from its start', async () => {
    await createStream();
    await publish(4);
    const { reader, values, events } = startReader();
    await waitFor('four', async () => values().length === 4, 10_000);
    reader.rewind();
    expect(reader.caughtUp).toBe(false);
    await waitFor('read again', async () => values().length === 8 && reader.caughtUp, 10_000);
    expect(values()).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);

    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(stream);
    await waitFor('the reader names the missing stream', async () => reader.problem() !== undefined, 10_000);
    await createStream();
    await publish(2, 'a', 50);
    await waitFor('the new stream read', async () => values().length === 10, 15_000);
    expect(values().slice(8)).toEqual([50, 51]);
    expect(events.filter((e) => e === 'positioned')).toHaveLength(3);
  });

  it('a handler that throws does not stop the reader', async () => {
    await createStream();
    await publish(3);
    const { reader, seen } = startReader({
      onMessage: (m) => {
        if (m.seq === 2) throw new Error('bad message');
      },
    });
    await waitFor('caught up', async () => reader.caughtUp, 10_000);
    expect(seen.map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it('closes while the connection is missing, and while it is starting', async () => {
    await createStream();
    const idle = new OrderedStreamReader({ connection: () => undefined, stream, filterSubjects: `${subject}.a`, from: 'first', label: 'idle', logger, onMessage: () => undefined });
    idle.start();
    await waitFor('not connected', async () => idle.problem() === 'NATS not connected', 5_000);
    await idle.close();
    const starting = new OrderedStreamReader({ connection: () => nc, stream, filterSubjects: `${subject}.a`, from: 'first', label: 'starting', logger, onMessage: () => undefined });
    starting.start();
    await starting.close();
  });

  it('after a disconnection longer than the server keeps the consumer, resumes from its cursor within a second or two of the heal', async () => {
    await createStream();
    await publish(2);
    const proxy = await startTcpProxy({ targetPort: 4222 });
    const link = new NatsConnector({ url: `nats://127.0.0.1:${proxy.port}`, name: 'reader through a proxy', logger });
    const seen: StreamMessage[] = [];
    const reader = new OrderedStreamReader({
      connection: () => link.connection(),
      stream,
      filterSubjects: `${subject}.a`,
      from: 'first',
      label: 'proxied reader',
      logger,
      inactiveThresholdMs: 1_000,
      onMessage: (m) => seen.push(m),
    });
    try {
      link.start();
      reader.start();
      await waitFor('both messages', async () => seen.length === 2, 10_000);
      proxy.cut();
      await publish(1, 'a', 2);
      // The server drops the consumer a second after its client went away.
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      proxy.heal();
      const healed = Date.now();
      await waitFor('the message published while cut', async () => seen.length === 3, 15_000, 20);
      expect(Date.now() - healed).toBeLessThan(3_000);
      expect(seen.map((m) => m.seq)).toEqual([1, 2, 3]);
    } finally {
      await reader.close();
      await link.close();
      await proxy.stop();
    }
  });
});
