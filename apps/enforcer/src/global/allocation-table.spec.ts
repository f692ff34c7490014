import type { AllocationUpdate } from '@rl/contracts';
import { AllocationTable } from './allocation-table';

const W = 1_700_000_040_000; // an aligned 60 s window start
const NOW = W + 10_000;

function update(epoch: number, keys: [string, number][], windowStartMs = W): AllocationUpdate {
  return { schema: 1, epoch, region: 'us-east', issuedAtMs: NOW, leaseSeconds: 5, windows: [{ policyId: 'search', windowStartMs, windowSeconds: 60, limit: 3000, keys }] };
}

const key = (identity: string, windowStartMs = W): string => AllocationTable.key('search', identity, windowStartMs);

describe('AllocationTable', () => {
  it('holds the cap and epoch per key and acknowledges the epoch', () => {
    const table = new AllocationTable({ graceMs: 5_000, maxEntries: 10 });
    expect(table.apply(update(3, [['a', 700], ['b', 100]]), NOW)).toEqual({ applied: 2, stale: 0, ended: 0, refused: 0 });
    expect(table.capFor(key('a'))).toBe(700);
    expect(table.epochFor(key('b'))).toBe(3);
    expect(table.capFor(key('c'))).toBeUndefined();
    expect(table.appliedEpoch).toBe(3);
  });

  it('acknowledges an applied epoch only once decisions that read the old cap have finished (settleMs)', () => {
    const table = new AllocationTable({ graceMs: 5_000, maxEntries: 10, settleMs: 40 });
    table.apply(update(3, [['a', 700]]), NOW);
    table.apply(update(4, [['a', 300]]), NOW + 30);
    expect(table.appliedEpoch).toBe(4);
    // Enforced at once, acknowledged later: a decision begun under 700 may still be admitting.
    expect(table.capFor(key('a'))).toBe(300);
    expect(table.acknowledgedEpoch(NOW + 39)).toBe(0);
    expect(table.acknowledgedEpoch(NOW + 40)).toBe(3);
    expect(table.acknowledgedEpoch(NOW + 69)).toBe(3);
    expect(table.acknowledgedEpoch(NOW + 70)).toBe(4);
    expect(table.acknowledgedEpoch(NOW + 10_000)).toBe(4);
    // Without settleMs, at once.
    const immediate = new AllocationTable({ graceMs: 5_000, maxEntries: 10 });
    immediate.apply(update(9, [['a', 1]]), NOW);
    expect(immediate.acknowledgedEpoch(NOW)).toBe(9);
  });

  it('never acknowledges a settled epoch above a refused one', () => {
    const table = new AllocationTable({ graceMs: 5_000, maxEntries: 1, settleMs: 10 });
    table.apply(update(1, [['a', 5]]), NOW);
    expect(table.apply(update(2, [['b', 5]]), NOW)).toMatchObject({ refused: 1 });
    table.apply(update(3, [['a', 6]]), NOW);
    expect(table.acknowledgedEpoch(NOW + 1_000)).toBe(1);
  });

  it('ignores a stale or duplicate allocation, key by key', () => {
    const table = new AllocationTable({ graceMs: 5_000, maxEntries: 10 });
    table.apply(update(5, [['a', 700]]), NOW);
    expect(table.apply(update(5, [['a', 1]]), NOW)).toMatchObject({ applied: 0, stale: 1 });
    expect(table.apply(update(4, [['a', 2], ['b', 9]]), NOW)).toMatchObject({ applied: 1, stale: 1 });
    expect(table.capFor(key('a'))).toBe(700);
    expect(table.capFor(key('b'))).toBe(9);
    expect(table.appliedEpoch).toBe(5);
    expect(table.apply(update(6, [['a', 300]]), NOW)).toMatchObject({ applied: 1, stale: 0 });
    expect(table.capFor(key('a'))).toBe(300);
  });

  it('keeps windows apart', () => {
    const table = new AllocationTable({ graceMs: 5_000, maxEntries: 10 });
    table.apply(update(1, [['a', 700]]), NOW);
    table.apply(update(2, [['a', 50]], W + 60_000), NOW);
    expect(table.capFor(key('a'))).toBe(700);
    expect(table.capFor(key('a', W + 60_000))).toBe(50);
  });

  it('ignores allocations of windows ended beyond the grace period and sweeps them', () => {
    const table = new AllocationTable({ graceMs: 5_000, maxEntries: 10 });
    expect(table.apply(update(1, [['a', 1]], W - 120_000), NOW)).toMatchObject({ applied: 0, ended: 1 });
    table.apply(update(2, [['a', 1]], W - 60_000), W + 4_000);
    expect(table.size).toBe(1);
    expect(table.sweep(W + 4_999)).toBe(0);
    expect(table.sweep(W + 5_000)).toBe(1);
    expect(table.size).toBe(0);
  });

  it('refuses what does not fit, and then does not acknowledge the epoch', () => {
    const table = new AllocationTable({ graceMs: 0, maxEntries: 2 });
    table.apply(update(1, [['a', 1], ['b', 1]]), NOW);
    expect(table.apply(update(2, [['c', 1], ['a', 5]]), NOW)).toEqual({ applied: 1, stale: 0, ended: 0, refused: 1 });
    expect(table.appliedEpoch).toBe(1);
    expect(table.capFor(key('a'))).toBe(5);
    // Once the old window is over, its entries make room.
    const next = W + 60_000;
    expect(table.apply(update(3, [['c', 1]], next), next + 1)).toMatchObject({ applied: 1, refused: 0 });
    expect(table.appliedEpoch).toBe(3);
  });

  it('does not acknowledge a refused epoch through a later update that fits', () => {
    const table = new AllocationTable({ graceMs: 0, maxEntries: 2 });
    table.apply(update(1, [['a', 1], ['b', 1]]), NOW);
    expect(table.apply(update(2, [['c', 1]]), NOW)).toMatchObject({ refused: 1 });
    // Epoch 3 only touches held keys: it applies, but epoch 2 (refused for c) is still unapplied.
    expect(table.apply(update(3, [['a', 2]]), NOW)).toMatchObject({ applied: 1, refused: 0 });
    expect(table.capFor(key('a'))).toBe(2);
    expect(table.appliedEpoch).toBe(1);
    // Once the refused key's window is over, the refusal no longer matters.
    const next = W + 60_000;
    table.sweep(next + 1);
    expect(table.appliedEpoch).toBe(3);
  });

  it('acknowledges no epoch newer than a decision still in flight began under, however long it takes', () => {
    const table = new AllocationTable({ graceMs: 5_000, maxEntries: 100, settleMs: 20 });
    const update = (epoch: number) => ({ schema: 1 as const, epoch, region: 'us-east', issuedAtMs: 0, leaseSeconds: 5, windows: [] });
    table.apply(update(3), 0);
    expect(table.acknowledgedEpoch(20)).toBe(3);
    const slow = table.beginDecision();
    const quick = table.beginDecision();
    table.apply(update(4), 30);
    table.endDecision(quick);
    // Settled by time, but the slow decision read epoch 3's caps and has not been counted yet.
    expect(table.acknowledgedEpoch(1_000)).toBe(3);
    table.endDecision(slow);
    expect(table.acknowledgedEpoch(1_000)).toBe(4);
  });
});
