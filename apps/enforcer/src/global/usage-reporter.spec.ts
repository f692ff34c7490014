import { parseUsageReport, type UsageReport } from '@rl/contracts';
import { MessageSigner, MessageVerifier } from '@rl/platform';
import { testUsageKey } from '../testing/signing-keys';
import { AllocationTable } from './allocation-table';
import { UsageReporter } from './usage-reporter';
import { UsageTracker } from './usage-tracker';

const W = 1_700_000_040_000;

function setup(options: { maxKeys?: number; maxMessageBytes?: number } = {}) {
  const tracker = new UsageTracker({ maxKeys: options.maxKeys ?? 1_000_000 });
  const table = new AllocationTable({ graceMs: 5_000, maxEntries: 100 });
  const signer = MessageSigner.fromText(testUsageKey('eu-west').privateKey);
  const reporter = new UsageReporter({ region: 'eu-west', instanceId: 'e-1', tracker, table, signer, endedGraceMs: 2_000, firstSequence: 1_000, maxMessageBytes: options.maxMessageBytes });
  // Every message must verify with the region's public key, as the reconciler checks it.
  const verifier = MessageVerifier.fromText([testUsageKey('eu-west').publicKey]);
  const decode = (messages: Uint8Array[]): UsageReport[] =>
    messages.map((m) => {
      const verified = verifier.verify('usage-report', m);
      if (!verified.ok) throw new Error(`a report that does not verify: ${verified.reason}`);
      const parsed = parseUsageReport(verified.payload);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
      return parsed.value;
    });
  return { tracker, table, reporter, decode };
}

describe('UsageTracker + UsageReporter', () => {
  it('reports absolute counts, a growing sequence and the applied epoch', () => {
    const { tracker, table, reporter, decode } = setup();
    const usage = tracker.window({ policyId: 'search', windowStartMs: W, windowSeconds: 60, limit: 3000 });
    usage.admit('user:1', 1);
    usage.admit('user:1', 2);
    usage.deny('user:1', 1);
    usage.deny('user:2', 5);
    table.apply({ schema: 1, epoch: 7, region: 'eu-west', issuedAtMs: W, leaseSeconds: 5, windows: [] }, W);
    const [first] = decode(reporter.build(W + 1_000));
    expect(first).toEqual({
      schema: 1,
      region: 'eu-west',
      instanceId: 'e-1',
      sequence: 1_000,
      sentAtMs: W + 1_000,
      appliedEpoch: 7,
      windows: [{ policyId: 'search', windowStartMs: W, windowSeconds: 60, limit: 3000, keys: [['user:1', 3, 1], ['user:2', 0, 5]] }],
    });
    usage.admit('user:1', 1);
    const [second] = decode(reporter.build(W + 2_000));
    expect(second.sequence).toBe(1_001);
    // Absolute, not a delta: the same report sent twice says the same thing.
    expect(second.windows[0].keys).toEqual([['user:1', 4, 1], ['user:2', 0, 5]]);
  });

  it('keeps reporting a window shortly after it ends, then drops it', () => {
    const { tracker, reporter, decode } = setup();
    tracker.window({ policyId: 'search', windowStartMs: W, windowSeconds: 60, limit: 3000 }).admit('a', 1);
    expect(decode(reporter.build(W + 61_000))[0].windows).toHaveLength(1);
    expect(decode(reporter.build(W + 62_000))[0].windows).toHaveLength(0);
    expect(tracker.all()).toHaveLength(0);
  });

  it('acknowledges an epoch only once it has settled: a report built sooner carries the previous one', () => {
    const tracker = new UsageTracker({ maxKeys: 10 });
    const table = new AllocationTable({ graceMs: 5_000, maxEntries: 100, settleMs: 500 });
    const signer = MessageSigner.fromText(testUsageKey('eu-west').privateKey);
    const reporter = new UsageReporter({ region: 'eu-west', instanceId: 'e-1', tracker, table, signer, endedGraceMs: 2_000, firstSequence: 1 });
    const verifier = MessageVerifier.fromText([testUsageKey('eu-west').publicKey]);
    const epochOf = (messages: Uint8Array[]): number => {
      const verified = verifier.verify('usage-report', messages[0]);
      if (!verified.ok) throw new Error(`a report that does not verify: ${verified.reason}`);
      const parsed = parseUsageReport(verified.payload);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
      return parsed.value.appliedEpoch;
    };
    table.apply({ schema: 1, epoch: 7, region: 'eu-west', issuedAtMs: W, leaseSeconds: 5, windows: [] }, W);
    expect(epochOf(reporter.build(W + 499))).toBe(0);
    expect(epochOf(reporter.build(W + 500))).toBe(7);
  });

  it('sends a report with no windows: it still acknowledges the epoch', () => {
    const { reporter, decode } = setup();
    expect(decode(reporter.build(W))[0]).toMatchObject({ windows: [], appliedEpoch: 0 });
  });

  it('splits a large report into messages under the size limit, each valid on its own', () => {
    const { tracker, reporter, decode } = setup({ maxMessageBytes: 20_000 });
    const usage = tracker.window({ policyId: 'search', windowStartMs: W, windowSeconds: 60, limit: 3000 });
    for (let i = 0; i < 3_000; i++) usage.admit(`user:${i}`, 1);
    const messages = reporter.build(W);
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) expect(m.byteLength).toBeLessThanOrEqual(20_000);
    const keys = decode(messages).flatMap((r) => r.windows.flatMap((w) => w.keys.map((k) => k[0])));
    expect(new Set(keys).size).toBe(3_000);
  });

  it('counts at most maxKeys identities and says how many it dropped', () => {
    const { tracker } = setup({ maxKeys: 2 });
    const usage = tracker.window({ policyId: 'search', windowStartMs: W, windowSeconds: 60, limit: 3000 });
    usage.admit('a', 1);
    usage.admit('b', 1);
    usage.admit('c', 1);
    usage.admit('a', 1);
    expect([...usage.keys.keys()]).toEqual(['a', 'b']);
    expect(tracker.dropped).toBe(1);
    tracker.evictEnded(W + 60_000);
    tracker.window({ policyId: 'search', windowStartMs: W + 60_000, windowSeconds: 60, limit: 3000 }).admit('c', 1);
    expect(tracker.dropped).toBe(1);
  });
});
