import { globalAllocationsSubject, parseAllocationUpdate, type AllocationUpdate } from '@rl/contracts';
import { LeadershipLostError } from '../leader/leader-lease';
import { partFixtures, RecordingJetStream, seriesValue } from '../testing/reconcile-fixtures';
import { testAllocationVerifier } from '../testing/signing-keys';
import { AllocationPublisher } from './allocation-publisher';

function update(epoch: number, region: string): AllocationUpdate {
  return { schema: 1, epoch, region, issuedAtMs: 1_000, leaseSeconds: 30, windows: [{ policyId: 'search', windowStartMs: 0, windowSeconds: 60, limit: 100, keys: [['user:1', 50]] }] };
}

function setup(options: { leader?: boolean; connected?: boolean } = {}): { publisher: AllocationPublisher; js: RecordingJetStream } & ReturnType<typeof partFixtures> {
  const parts = partFixtures();
  const js = new RecordingJetStream();
  const publisher = new AllocationPublisher({ ...parts, jetstream: () => (options.connected === false ? undefined : js), isLeader: () => options.leader ?? true });
  return { ...parts, publisher, js };
}

describe('AllocationPublisher', () => {
  it('publishes signed updates in order under their message ids, and counts them', async () => {
    const { publisher, js, registry } = setup();
    publisher.markUnpublished();
    publisher.enqueue([update(7, 'us-east'), update(7, 'eu-west')]);
    expect(publisher.pending).toBe(2);
    expect(await publisher.flush()).toBe(true);
    expect(js.sent.map((m) => m.subject)).toEqual([globalAllocationsSubject('unit', 'us-east'), globalAllocationsSubject('unit', 'eu-west')]);
    expect(js.sent.map((m) => m.msgID)).toEqual([expect.stringMatching(/^alloc-7-us-east-0-/), expect.stringMatching(/^alloc-7-eu-west-0-/)]);
    const verified = testAllocationVerifier.verify('allocation', js.sent[0].data);
    expect(verified.ok && parseAllocationUpdate(verified.payload)).toMatchObject({ ok: true, value: { epoch: 7, region: 'us-east' } });
    expect({ pending: publisher.pending, unpublished: publisher.holdsUnpublished }).toEqual({ pending: 0, unpublished: false });
    expect(await seriesValue(registry, 'rl_reconciler_allocations_published_total', { kind: 'update' })).toBe(2);
  });

  it('stops at the first failure and retries the rest in order, as the same bytes under the same ids', async () => {
    const { publisher, js } = setup();
    js.failAt = new Set([2]);
    publisher.markUnpublished();
    publisher.enqueue([update(3, 'us-east'), update(3, 'eu-west')]);
    expect(await publisher.flush()).toBe(false);
    expect({ sent: js.sent.length, pending: publisher.pending, unpublished: publisher.holdsUnpublished }).toEqual({ sent: 1, pending: 1, unpublished: true });
    expect(await publisher.flush()).toBe(true);
    const [, failed, retried] = js.attempts;
    expect({ subject: retried.subject, msgID: retried.msgID, data: Buffer.from(retried.data) }).toEqual({ subject: failed.subject, msgID: failed.msgID, data: Buffer.from(failed.data) });
    expect(js.sent.map((m) => m.msgID)).toEqual([expect.stringMatching(/^alloc-3-us-east-/), expect.stringMatching(/^alloc-3-eu-west-/)]);
    expect(publisher.holdsUnpublished).toBe(false);
  });

  it('publishes nothing once the lease is no longer recent enough to act on', async () => {
    const { publisher, js } = setup({ leader: false });
    publisher.enqueue([update(1, 'us-east')]);
    await expect(publisher.flush()).rejects.toBeInstanceOf(LeadershipLostError);
    expect(js.sent).toEqual([]);
    expect(publisher.pending).toBe(1);
  });

  it('keeps the backlog while disconnected, and clear() forgets it', async () => {
    const { publisher } = setup({ connected: false });
    publisher.markUnpublished();
    publisher.enqueue([update(1, 'us-east')]);
    expect(await publisher.flush()).toBe(false);
    publisher.clear();
    expect({ pending: publisher.pending, unpublished: publisher.holdsUnpublished }).toEqual({ pending: 0, unpublished: false });
  });
});
