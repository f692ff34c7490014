import pino from 'pino';
import { ReadinessService } from '@rl/platform/service';
import { partFixtures } from '../testing/reconcile-fixtures';
import { ReconcilerService } from './reconciler.service';

describe('ReconcilerService readiness', () => {
  it('names only NATS while it is not connected: the lease, the KV bucket and the stream wait behind it', async () => {
    const parts = partFixtures();
    const service = new ReconcilerService(parts);
    const report = await new ReadinessService(service.readiness(), pino({ level: 'silent' })).check();
    expect(report).toEqual({ status: 'not_ready', missing: [{ name: 'nats', reason: expect.any(String) }] });
    expect(service.status()).toMatchObject({ leader: false, leaseKnown: false, caughtUp: false, epoch: 0 });
  });
});
