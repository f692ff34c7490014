import type { Policy, PolicyChange, PolicyChangeMessage, PolicySnapshot } from '@rl/contracts';
import fc from 'fast-check';
import { ChangeSequencer } from './change-sequencer';
import { PolicyState } from './policy-state';

function policy(id: string, limit: number): Policy {
  return { id, match: { customerTier: id }, algorithm: 'fixed_window', limit, windowSeconds: 60, burst: limit, scope: 'regional', failureMode: 'open', mode: 'enforce', version: 1 };
}

function message(revision: number, change: PolicyChange = { kind: 'policy.upserted', policy: policy(`p${revision}`, revision) }): PolicyChangeMessage {
  return { revision, committedAt: '2026-01-01T00:00:00.000Z', change };
}

const empty = (revision: number): PolicySnapshot => ({ revision, policies: [], overrides: [], customers: {} });

describe('ChangeSequencer', () => {
  it('buffers messages until the first snapshot, then applies those that follow on', () => {
    const s = new ChangeSequencer();
    expect(s.offerMessage(message(3)).outcome).toBe('buffered');
    expect(s.revision).toBeUndefined();
    const { outcome, applied } = s.offerSnapshot(empty(2));
    expect(outcome).toBe('applied');
    expect(applied.map((m) => m.revision)).toEqual([3]);
    expect(s.revision).toBe(3);
    expect(s.hasGap).toBe(false);
  });

  it('applies r + 1, ignores duplicates and redeliveries at or below r', () => {
    const s = new ChangeSequencer();
    s.offerSnapshot(empty(5));
    expect(s.offerMessage(message(6)).outcome).toBe('applied');
    expect(s.offerMessage(message(6)).outcome).toBe('duplicate');
    expect(s.offerMessage(message(2)).outcome).toBe('duplicate');
    expect(s.revision).toBe(6);
    expect(s.document?.toActivePolicies().policies.map((p) => p.id)).toEqual(['p6']);
  });

  it('buffers past a gap, and drains behind the message or snapshot that closes it', () => {
    const s = new ChangeSequencer();
    s.offerSnapshot(empty(1));
    expect(s.offerMessage(message(3)).outcome).toBe('buffered');
    expect(s.offerMessage(message(4)).outcome).toBe('buffered');
    expect(s.hasGap).toBe(true);
    const closed = s.offerMessage(message(2));
    expect(closed.applied.map((m) => m.revision)).toEqual([2, 3, 4]);
    expect(s.hasGap).toBe(false);

    expect(s.offerMessage(message(7)).outcome).toBe('buffered');
    // A snapshot at 6 (which has 5 and 6 in it) closes the gap; 7 follows on.
    const snap = s.offerSnapshot({ ...empty(6), policies: [policy('from-snapshot', 1)] });
    expect(snap.applied.map((m) => m.revision)).toEqual([7]);
    expect(s.revision).toBe(7);
    expect(s.document?.toActivePolicies().policies.map((p) => p.id)).toEqual(['from-snapshot', 'p7']);
  });

  it('drops buffered messages a newer snapshot already covers', () => {
    const s = new ChangeSequencer();
    s.offerSnapshot(empty(1));
    s.offerMessage(message(3));
    expect(s.offerSnapshot(empty(9)).applied).toEqual([]);
    expect(s.hasGap).toBe(false);
    expect(s.revision).toBe(9);
  });

  it('never moves back: an older snapshot is stale, the same one only confirms', () => {
    const s = new ChangeSequencer();
    s.offerSnapshot({ ...empty(8), policies: [policy('keep', 1)] });
    expect(s.offerSnapshot(empty(7)).outcome).toBe('stale');
    expect(s.offerSnapshot(empty(8)).outcome).toBe('current');
    expect(s.revision).toBe(8);
    expect(s.document?.toActivePolicies().policies.map((p) => p.id)).toEqual(['keep']);
  });

  it('lets the first snapshot replace a seeded (persisted) document even at a lower revision, then never moves back', () => {
    const s = new ChangeSequencer();
    s.seed({ ...empty(40), policies: [policy('old', 1)] });
    expect(s.offerMessage(message(41)).outcome).toBe('applied');
    expect(s.offerSnapshot({ ...empty(3), policies: [policy('rebuilt', 1)] }).outcome).toBe('replaced-provisional');
    expect(s.revision).toBe(3);
    expect(s.document?.toActivePolicies().policies.map((p) => p.id)).toEqual(['rebuilt']);
    expect(s.offerSnapshot(empty(2)).outcome).toBe('stale');
  });

  it('treats a seeded document like any other once the control plane agrees with it', () => {
    const s = new ChangeSequencer();
    s.seed(empty(7));
    expect(s.offerSnapshot(empty(7)).outcome).toBe('current');
    expect(s.offerSnapshot(empty(6)).outcome).toBe('stale');
  });

  it('starts over when the buffer is full; the resync brings what was dropped', () => {
    const s = new ChangeSequencer({ maxPending: 2 });
    s.offerSnapshot(empty(0));
    s.offerMessage(message(5));
    s.offerMessage(message(6));
    s.offerMessage(message(7));
    expect(s.offerSnapshot(empty(5)).applied).toEqual([]);
    expect(s.hasGap).toBe(true);
    expect(s.offerMessage(message(6)).applied.map((m) => m.revision)).toEqual([6, 7]);
  });

  it('applies every kind of change', () => {
    const s = new ChangeSequencer();
    s.offerSnapshot({ revision: 1, policies: [policy('free', 10)], overrides: [], customers: { acme: { tier: 'free' } } });
    const override = { ...policy('acme-override', 1000), match: { customerId: 'acme' } };
    const changes: PolicyChange[] = [
      { kind: 'policy.upserted', policy: policy('free', 20) },
      { kind: 'policy.upserted', policy: policy('pro', 50) },
      { kind: 'override.upserted', customerId: 'acme', policy: override },
      { kind: 'customer.upserted', customerId: 'beta', assignment: { tier: 'pro' } },
      { kind: 'customer.deleted', customerId: 'acme' },
      { kind: 'policy.deleted', policyId: 'pro' },
    ];
    changes.forEach((change, i) => expect(s.offerMessage(message(i + 2, change)).outcome).toBe('applied'));
    expect(s.document?.toControlPlaneSnapshot()).toEqual({
      revision: 7,
      policies: [policy('free', 20)],
      overrides: [override],
      customers: { beta: { tier: 'pro' } },
      blocks: [],
    });
    s.offerMessage(message(8, { kind: 'override.deleted', customerId: 'acme' }));
    expect(s.document?.toActivePolicies()).toEqual({ revision: '8', policies: [policy('free', 20)], overrides: [], customerTiers: new Map([['beta', 'pro']]), blocks: [] });
  });

  it('adds and removes blocks in revision order, starting from the snapshot\'s', () => {
    const block = (id: string, value: string) => ({ id, type: 'key' as const, value, expiresAt: '2026-01-01T01:00:00.000Z', reason: 'r', source: 'operator' as const });
    const first = block('00000000-0000-4000-8000-000000000001', 'a');
    const second = block('00000000-0000-4000-8000-000000000002', 'b');
    const s = new ChangeSequencer();
    s.offerSnapshot({ ...empty(1), blocks: [first] });
    expect(s.offerMessage(message(2, { kind: 'block.added', block: second })).outcome).toBe('applied');
    expect(s.offerMessage(message(3, { kind: 'block.removed', blockId: first.id })).outcome).toBe('applied');
    expect(s.document?.toActivePolicies().blocks).toEqual([second]);
    expect(s.document?.toControlPlaneSnapshot().blocks).toEqual([second]);
  });

  it('ends at the latest revision with the in-order document, whatever the delivery order, duplicates and resyncs (fast-check)', () => {
    const n = 30;
    const messages = Array.from({ length: n }, (_, i) => message(i + 1, { kind: 'policy.upserted', policy: policy(`p${(i * 7) % 11}`, i + 1) }));
    // The document at each revision, as the control plane would serve it.
    const truth: PolicySnapshot[] = [empty(0)];
    const state = PolicyState.fromSnapshot(empty(0));
    for (const m of messages) {
      state.apply(m.change, m.revision);
      truth.push(state.toControlPlaneSnapshot());
    }
    const event = fc.oneof(
      fc.integer({ min: 1, max: n }).map((revision) => ({ type: 'message' as const, revision })),
      fc.integer({ min: 0, max: n }).map((revision) => ({ type: 'snapshot' as const, revision })),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 80 }), (events) => {
        const s = new ChangeSequencer();
        let highest = -1;
        for (const e of events) {
          if (e.type === 'message') s.offerMessage(messages[e.revision - 1]);
          else s.offerSnapshot(truth[e.revision]);
          const revision = s.revision ?? -1;
          expect(revision).toBeGreaterThanOrEqual(highest); // never moves back
          highest = revision;
        }
        // Every message delivered (again) at the end, then a final snapshot: the latest document.
        messages.forEach((m) => s.offerMessage(m));
        s.offerSnapshot(truth[0]); // the first snapshot, if none came before; stale otherwise
        expect(s.revision).toBe(n);
        expect(s.document?.toControlPlaneSnapshot()).toEqual(truth[n]);
        expect(s.hasGap).toBe(false);
      }),
    );
  });
});
