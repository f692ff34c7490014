import { encodeGlobalMessage, globalAllocationsSubject, globalWindowStartMs, type AllocationUpdate } from '@rl/contracts';
import { MessageSigner } from '@rl/platform';
import { partFixtures, seriesValue, TEST_POLICY } from '../testing/reconcile-fixtures';
import { FORGER_KEY, TEST_ALLOCATION_KEY } from '../testing/signing-keys';
import { AllocationMirror } from './allocation-mirror';

function allocation(epoch: number, nowMs: number): AllocationUpdate {
  return { schema: 1, epoch, region: 'us-east', issuedAtMs: nowMs, leaseSeconds: 30, windows: [{ policyId: TEST_POLICY, windowStartMs: globalWindowStartMs(nowMs, 3600), windowSeconds: 3600, limit: 1000, keys: [['user:1', 700]] }] };
}

function signed(key: string, update: AllocationUpdate): Uint8Array {
  const [payload] = encodeGlobalMessage(update);
  return MessageSigner.fromText(key).sign('allocation', payload).envelope;
}

describe('AllocationMirror', () => {
  it('restores what an allocation key signed into the book, and counts what nobody with one signed, skipping it', async () => {
    const parts = partFixtures();
    const mirror = new AllocationMirror({ ...parts, connection: () => undefined });
    const subject = globalAllocationsSubject('unit', 'us-east');
    mirror.apply({ subject, seq: 1, pending: 2, data: signed(TEST_ALLOCATION_KEY.privateKey, allocation(5, parts.clock.ms)) });
    mirror.apply({ subject, seq: 2, pending: 1, data: signed(FORGER_KEY.privateKey, allocation(9, parts.clock.ms)) });
    mirror.apply({ subject, seq: 3, pending: 0, data: MessageSigner.fromText(TEST_ALLOCATION_KEY.privateKey).sign('allocation', new TextEncoder().encode('{"schema":1}')).envelope });
    expect(parts.ledger.book.lastEpoch).toBe(5);
    expect(parts.ledger.book.currentWindow(TEST_POLICY, parts.clock.ms)?.keys.has('user:1')).toBe(true);
    expect(await seriesValue(parts.registry, 'rl_reconciler_allocation_messages_rejected_total')).toBe(2);
  });
});
