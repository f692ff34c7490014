import { RECONCILER_EPOCH_KEY, RECONCILER_LEADER_KEY } from '@rl/contracts';
import type { KV, KvEntry, NatsConnection } from 'nats';
import { partFixtures, seriesValue } from '../testing/reconcile-fixtures';
import { Leadership } from './leadership';

/**
 * The KV bucket as Leadership uses it (get, create, update with the expected revision, delete),
 * in memory: compare-and-set by revision, as JetStream KV does.
 */
class MemoryKv {
  private revision = 0;
  readonly entries = new Map<string, { value: Uint8Array; revision: number; created: Date }>();

  get(key: string): Promise<Pick<KvEntry, 'value' | 'revision' | 'operation' | 'created'> | null> {
    const entry = this.entries.get(key);
    return Promise.resolve(entry === undefined ? null : { ...entry, operation: 'PUT' });
  }

  create(key: string, value: Uint8Array): Promise<number> {
    if (this.entries.has(key)) return Promise.reject(new Error('wrong last sequence'));
    return Promise.resolve(this.put(key, value));
  }

  update(key: string, value: Uint8Array, expected: number): Promise<number> {
    if (this.entries.get(key)?.revision !== expected) return Promise.reject(new Error('wrong last sequence'));
    return Promise.resolve(this.put(key, value));
  }

  delete(key: string): Promise<void> {
    this.entries.delete(key);
    return Promise.resolve();
  }

  private put(key: string, value: Uint8Array): number {
    this.revision += 1;
    this.entries.set(key, { value, revision: this.revision, created: new Date(0) });
    return this.revision;
  }
}

/** A connection whose allocation stream holds messages (no purge to report). */
const connection = {
  jetstreamManager: () => Promise.resolve({ streams: { info: () => Promise.resolve({ state: { messages: 3, last_seq: 3, last_ts: new Date().toISOString() } }) } }),
} as unknown as NatsConnection;

function setup(): ReturnType<typeof partFixtures> & { leadership: Leadership; kv: MemoryKv; lost: string[] } {
  const parts = partFixtures();
  const leadership = new Leadership({ ...parts, connection: () => connection });
  const kv = new MemoryKv();
  leadership.attach(kv as unknown as KV);
  const lost: string[] = [];
  leadership.onLost((reason) => lost.push(reason));
  return { ...parts, leadership, kv, lost };
}

describe('Leadership', () => {
  it('takes a vacant lease on its first tick, and knows it leads', async () => {
    const { leadership, registry } = setup();
    expect({ known: leadership.leaseKnown, leader: leadership.isLeader() }).toEqual({ known: false, leader: false });
    await leadership.tick();
    expect({ known: leadership.leaseKnown, leader: leadership.isLeader(), leading: leadership.leading }).toEqual({ known: true, leader: true, leading: true });
    expect(await seriesValue(registry, 'rl_reconciler_leader')).toBe(1);
  });

  it('reserves epochs by compare-and-set, and fails when another instance wrote meanwhile', async () => {
    const { leadership, kv } = setup();
    await leadership.tick();
    await leadership.reserveEpochs(4);
    expect(leadership.currentEpoch()).toBe(4);
    await kv.update(RECONCILER_EPOCH_KEY, new TextEncoder().encode('9'), kv.entries.get(RECONCILER_EPOCH_KEY)?.revision ?? 0);
    await expect(leadership.reserveEpochs(5)).rejects.toThrow(/epoch 5 not reserved/);
  });

  it('announces a lost lease to its listeners when another instance took it', async () => {
    const { leadership, kv, lost, registry } = setup();
    await leadership.tick();
    await kv.update(RECONCILER_LEADER_KEY, new TextEncoder().encode('{"instanceId":"other"}'), kv.entries.get(RECONCILER_LEADER_KEY)?.revision ?? 0);
    await leadership.tick();
    expect(lost).toEqual(['lease lost']);
    expect({ leader: leadership.isLeader(), leading: leadership.leading }).toEqual({ leader: false, leading: false });
    expect(await seriesValue(registry, 'rl_reconciler_leader')).toBe(0);
  });

  it('gives the lease up on stop, so a standby takes over at once', async () => {
    const { leadership, kv } = setup();
    await leadership.tick();
    await leadership.stop({ resign: true });
    expect(kv.entries.has(RECONCILER_LEADER_KEY)).toBe(false);
    expect(leadership.isLeader()).toBe(false);
  });
});
