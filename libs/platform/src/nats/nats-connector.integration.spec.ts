import { startNatsServer, waitFor, type NatsServerHandle } from '@rl/devstack';
import { connect } from 'nats';
import pino from 'pino';
import { NatsConnector } from './nats-connector';

/** NatsConnector against a private nats-server that the test stops. */
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

describe('NatsConnector (private nats-server)', () => {
  let nats: NatsServerHandle;

  beforeAll(async () => {
    nats = await startNatsServer();
  });

  afterAll(async () => {
    await nats?.stop();
  });

  it('close drains: a message published just before it reaches a subscriber', async () => {
    const subscriber = await connect({ servers: nats.url });
    const received: string[] = [];
    const sub = subscriber.subscribe('drain.test', { callback: (_error, msg) => received.push(new TextDecoder().decode(msg.data)) });
    await subscriber.flush();
    const link = new NatsConnector({ url: nats.url, name: 'drain test', logger });
    link.start();
    const nc = await link.ready(10_000);
    nc.publish('drain.test', 'last words');
    await link.close();
    await waitFor('the message', async () => received.length === 1, 5_000);
    expect(received).toEqual(['last words']);
    sub.unsubscribe();
    await subscriber.close();
  });

  it('close returns promptly while the server is gone (no drain that waits for it forever)', async () => {
    const link = new NatsConnector({ url: nats.url, name: 'outage test', logger });
    link.start();
    await link.ready(10_000);
    await nats.stopProcess();
    try {
      await waitFor('the disconnect noticed', async () => link.notReadyReason() !== undefined, 10_000);
      const started = Date.now();
      await link.close();
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await nats.restart();
    }
  });
});
