import type { AllocationUpdate, UsageReport } from '@rl/contracts';
import fc from 'fast-check';
import { equalSplit, regionFloor } from './allocate';
import { QuotaBook } from './quota-book';

const WINDOW_START = 1_764_480_000_000;
const WINDOW_SECONDS = 600;
const LEASE_MS = 5_000;

function report(input: { region: string; instanceId?: string; sequence: number; appliedEpoch?: number; keys: Array<[string, number, number]>; limit?: number }): UsageReport {
  return {
    schema: 1,
    region: input.region,
    instanceId: input.instanceId ?? `${input.region}-1`,
    sequence: input.sequence,
    sentAtMs: WINDOW_START,
    appliedEpoch: input.appliedEpoch ?? 0,
    windows: [{ policyId: 'search', windowStartMs: WINDOW_START, windowSeconds: WINDOW_SECONDS, limit: input.limit ?? 3000, keys: input.keys }],
  };
}

const book = (regions = ['us-east', 'eu-west', 'ap-south']): QuotaBook =>
  new QuotaBook({ regions, floorPercent: 2, leaseMs: LEASE_MS, refreshMs: 60_000, instanceTimeoutMs: 1e12 });

function allocationOf(updates: readonly AllocationUpdate[], region: string, identity = 'user:1'): number | undefined {
  for (const u of updates) if (u.region === region) for (const w of u.windows) for (const [id, v] of w.keys) if (id === identity) return v;
  return undefined;
}

describe('QuotaBook.ingest', () => {
  it('sums instances within a region, and a duplicate or older report changes nothing', () => {
    const b = book();
    const now = WINDOW_START + 1000;
    expect(b.ingest(report({ region: 'us-east', sequence: 5, keys: [['user:1', 10, 2]] }), now).result).toBe('accepted');
    b.ingest(report({ region: 'us-east', instanceId: 'us-east-2', sequence: 1, keys: [['user:1', 7, 0]] }), now);
    const dup = b.ingest(report({ region: 'us-east', sequence: 5, keys: [['user:1', 10, 2]] }), now);
    const older = b.ingest(report({ region: 'us-east', sequence: 4, keys: [['user:1', 3, 0]] }), now);
    expect(older.staleEntries).toBe(1);
    expect(dup.result).toBe('accepted');
    const window = b.currentWindow('search', now);
    const key = window?.keys.get('user:1');
    expect(window && key && b.usageRows(window, key, now)[0]).toMatchObject({ region: 'us-east', admitted: 17, denied: 2 });
    b.ingest(report({ region: 'us-east', sequence: 6, keys: [['user:1', 12, 2]] }), now);
    expect(window && key && b.usageRows(window, key, now)[0]).toMatchObject({ admitted: 19, denied: 2 });
  });

  it('rejects unknown regions and ended or future windows', () => {
    const b = book();
    expect(b.ingest(report({ region: 'mars', sequence: 1, keys: [] }), WINDOW_START).result).toBe('unknown_region');
    expect(b.ingest(report({ region: 'us-east', sequence: 1, keys: [] }), WINDOW_START + WINDOW_SECONDS * 1000 + LEASE_MS + 1).result).toBe('window_ended');
    expect(b.ingest(report({ region: 'us-east', sequence: 1, keys: [] }), WINDOW_START - WINDOW_SECONDS * 1000 - 1).result).toBe('future_window');
  });
});

describe('QuotaBook.cycle', () => {
  it('moves share to demand within two cycles after a shift (lower, acknowledge, raise)', () => {
    const b = book();
    let now = WINDOW_START + 1000;
    let epoch = 0;
    const admitted = [0, 0, 0];
    const caps = [1000, 1000, 1000];
    const applied = [0, 0, 0];
    let sequence = 0;
    const regions = ['us-east', 'eu-west', 'ap-south'];
    const step = (demand: number[]): AllocationUpdate[] => {
      sequence += 1;
      regions.forEach((region, r) => {
        const ok = Math.max(0, Math.min(demand[r], caps[r] - admitted[r]));
        admitted[r] += ok;
        b.ingest(report({ region, sequence, appliedEpoch: applied[r], keys: [['user:1', admitted[r], 0]] }), now);
      });
      epoch += 1;
      const out = b.cycle({ nowMs: now, epoch });
      for (const u of out.updates) {
        const r = regions.indexOf(u.region);
        caps[r] = u.windows[0].keys[0][1];
        applied[r] = u.epoch;
      }
      now += 1000;
      return out.updates;
    };
    // Far from the limit nothing moves; once us-east would run out within four intervals, shares
    // follow the rates.
    for (let i = 0; i < 4; i += 1) expect(step([70, 20, 10])).toEqual([]);
    for (let i = 0; i < 20 && caps[0] <= caps[2] + 200; i += 1) step([70, 20, 10]);
    expect(caps[0]).toBeGreaterThan(caps[2] + 200);
    // The shift: ap-south now has most of the demand. After two cycles it holds most of the headroom.
    step([10, 20, 70]);
    step([10, 20, 70]);
    const headroom = caps.map((c, r) => c - admitted[r]);
    const total = headroom.reduce((s, h) => s + h, 0);
    expect(headroom[2] / total).toBeGreaterThan(0.6);
    expect(caps.reduce((s, c) => s + c, 0)).toBeLessThanOrEqual(3000);
  });

  it('tells once when a lowering is acknowledged, so the raise need not wait for the next tick', () => {
    const b = book(['us-east', 'eu-west']);
    const now = WINDOW_START + 1000;
    b.ingest(report({ region: 'us-east', sequence: 1, keys: [['user:1', 1490, 50]] }), now);
    b.ingest(report({ region: 'eu-west', sequence: 1, keys: [] }), now);
    const first = b.cycle({ nowMs: now, epoch: 7 });
    expect(allocationOf(first.updates, 'eu-west')).toBe(30);
    expect(b.takeAcknowledgedLowering(now)).toBe(false);
    // us-east acknowledging changes nothing: only eu-west gave share up.
    b.ingest(report({ region: 'us-east', sequence: 2, appliedEpoch: 7, keys: [['user:1', 1490, 60]] }), now + 100);
    expect(b.takeAcknowledgedLowering(now + 100)).toBe(false);
    b.ingest(report({ region: 'eu-west', sequence: 2, appliedEpoch: 7, keys: [] }), now + 200);
    expect(b.takeAcknowledgedLowering(now + 200)).toBe(true);
    expect(b.takeAcknowledgedLowering(now + 200)).toBe(false);
    expect(allocationOf(b.cycle({ nowMs: now + 200, epoch: 8 }).updates, 'us-east')).toBe(2970);
  });

  it('keeps the last tick\'s rates in a cycle run between ticks', () => {
    const b = book(['us-east', 'eu-west']);
    const now = WINDOW_START + 1000;
    b.ingest(report({ region: 'us-east', sequence: 1, keys: [['user:1', 100, 0]] }), now);
    b.cycle({ nowMs: now, epoch: 1 });
    b.ingest(report({ region: 'us-east', sequence: 2, keys: [['user:1', 160, 0]] }), now + 1000);
    b.cycle({ nowMs: now + 1000, epoch: 2 });
    const slot = (): { rate: number } | undefined => b.currentWindow('search', now)?.keys.get('user:1')?.slots[0];
    expect(slot()?.rate).toBe(60);
    // 50 ms later: 3 more units would read as a rate of 3 per interval if measured.
    b.ingest(report({ region: 'us-east', sequence: 3, keys: [['user:1', 163, 0]] }), now + 1050);
    b.cycle({ nowMs: now + 1050, epoch: 3, measureRates: false });
    expect(slot()?.rate).toBe(60);
    b.ingest(report({ region: 'us-east', sequence: 4, keys: [['user:1', 220, 0]] }), now + 2000);
    b.cycle({ nowMs: now + 2000, epoch: 4 });
    expect(slot()?.rate).toBe(60);
  });

  it('restores published allocations as unacknowledged, then continues from them', () => {
    const a = book(['us-east', 'eu-west']);
    const now = WINDOW_START + 1000;
    a.ingest(report({ region: 'us-east', sequence: 1, keys: [['user:1', 1490, 50]] }), now);
    a.ingest(report({ region: 'eu-west', sequence: 1, keys: [] }), now);
    const first = a.cycle({ nowMs: now, epoch: 7 });
    expect(allocationOf(first.updates, 'eu-west')).toBe(30); // lowered to the floor, not yet acknowledged
    const b = book(['us-east', 'eu-west']);
    for (const u of first.updates) b.restore(u, now + 10);
    expect(b.lastEpoch).toBe(7);
    b.ingest(report({ region: 'us-east', sequence: 2, keys: [['user:1', 1490, 90]] }), now + 1000);
    b.ingest(report({ region: 'eu-west', sequence: 2, keys: [] }), now + 1000);
    // eu-west has not acknowledged epoch 7, so its old equal split stays reserved: no raise yet.
    expect(allocationOf(b.cycle({ nowMs: now + 1000, epoch: 8 }).updates, 'us-east')).toBeUndefined();
    b.ingest(report({ region: 'eu-west', sequence: 3, appliedEpoch: 7, keys: [] }), now + 2000);
    b.ingest(report({ region: 'us-east', sequence: 3, appliedEpoch: 7, keys: [['user:1', 1490, 130]] }), now + 2000);
    expect(allocationOf(b.cycle({ nowMs: now + 2000, epoch: 9 }).updates, 'us-east')).toBe(2970);
  });

  it('splits a large update into parts with consecutive epochs, acknowledged only with the last part', () => {
    const b = new QuotaBook({ regions: ['us-east', 'eu-west'], floorPercent: 2, leaseMs: LEASE_MS, refreshMs: 60_000, maxKeysPerUpdate: 4 });
    const now = WINDOW_START + 1000;
    const keys: Array<[string, number, number]> = [['a', 1500, 9], ['b', 1500, 9], ['c', 1500, 9]];
    b.ingest(report({ region: 'us-east', sequence: 1, keys }), now);
    b.ingest(report({ region: 'eu-west', sequence: 1, keys: [] }), now);
    const out = b.cycle({ nowMs: now, epoch: 10 });
    const eu = out.updates.filter((u) => u.region === 'eu-west');
    expect(eu.map((u) => u.epoch)).toEqual([10, 11]);
    expect(eu.map((u) => u.windows.flatMap((w) => w.keys.map(([id]) => id)))).toEqual([['a', 'b'], ['c']]);
    expect(out.lastEpoch).toBe(11);
    expect(b.lastEpoch).toBe(11);
    // eu-west applied part one only: nothing is free yet for us-east.
    b.ingest(report({ region: 'eu-west', sequence: 2, appliedEpoch: 10, keys: [] }), now + 1000);
    b.ingest(report({ region: 'us-east', sequence: 2, keys: [['a', 1500, 20]] }), now + 1000);
    expect(b.cycle({ nowMs: now + 1000, epoch: 12 }).updates.filter((u) => u.region === 'us-east')).toEqual([]);
    b.ingest(report({ region: 'eu-west', sequence: 3, appliedEpoch: 11, keys: [] }), now + 2000);
    b.ingest(report({ region: 'us-east', sequence: 3, keys: [['a', 1500, 30]] }), now + 2000);
    expect(allocationOf(b.cycle({ nowMs: now + 2000, epoch: 13 }).updates, 'us-east', 'a')).toBe(2970);
  });

  it('sends nothing for a window whose allocations the stream may have lost, until every region reports it holds none', () => {
    const b = book(['us-east', 'eu-west']);
    const now = WINDOW_START + 1000;
    // The regions applied allocations (epoch 40) the book never saw; us-east runs dry.
    b.forgetHistoryBefore(now);
    expect(b.unknownHistoryBeforeMs).toBe(now);
    b.ingest(report({ region: 'us-east', sequence: 1, appliedEpoch: 40, keys: [['user:1', 1490, 50]] }), now);
    b.ingest(report({ region: 'eu-west', sequence: 1, appliedEpoch: 40, keys: [] }), now);
    expect(b.cycle({ nowMs: now, epoch: 41 }).updates).toEqual([]);
    // One region's instance holds nothing, the other's may: still unknown.
    b.ingest(report({ region: 'eu-west', sequence: 2, appliedEpoch: 0, instanceId: 'eu-west-fresh', keys: [] }), now + 100);
    b.ingest(report({ region: 'us-east', sequence: 2, appliedEpoch: 0, keys: [['user:1', 1490, 60]] }), now + 100);
    expect(b.cycle({ nowMs: now + 100, epoch: 42 }).updates).toEqual([]);
    expect(b.unknownHistoryBeforeMs).toBe(now);

    // A later window never had an allocation the book missed: it is allocated as usual.
    const next = WINDOW_START + WINDOW_SECONDS * 1000;
    const later = (region: string, sequence: number, keys: Array<[string, number, number]>): UsageReport => ({
      ...report({ region, sequence, appliedEpoch: 40, keys }),
      windows: [{ policyId: 'search', windowStartMs: next, windowSeconds: WINDOW_SECONDS, limit: 3000, keys }],
    });
    b.ingest(later('us-east', 3, [['user:1', 1490, 50]]), next + 1000);
    b.ingest(later('eu-west', 3, []), next + 1000);
    expect(allocationOf(b.cycle({ nowMs: next + 1000, epoch: 43 }).updates, 'eu-west')).toBe(30);
  });

  it('allocates a window of unknown history again once every region reports that none of its instances applied anything', () => {
    const b = book(['us-east', 'eu-west']);
    const now = WINDOW_START + 1000;
    b.forgetHistoryBefore(now);
    b.ingest(report({ region: 'us-east', sequence: 1, appliedEpoch: 0, keys: [['user:1', 1490, 50]] }), now);
    expect(b.cycle({ nowMs: now, epoch: 1 }).updates).toEqual([]);
    b.ingest(report({ region: 'eu-west', sequence: 1, appliedEpoch: 0, keys: [] }), now + 1000);
    b.ingest(report({ region: 'us-east', sequence: 2, appliedEpoch: 0, keys: [['user:1', 1490, 110]] }), now + 1000);
    expect(allocationOf(b.cycle({ nowMs: now + 1000, epoch: 2 }).updates, 'eu-west')).toBe(30);
    expect(b.unknownHistoryBeforeMs).toBeUndefined();
  });

  it('a standby that measures rates every tick takes the lead with the last interval\'s rates, not the window\'s', () => {
    const standby = book(['us-east', 'eu-west']);
    const cold = book(['us-east', 'eu-west']);
    let now = WINDOW_START + 1000;
    // Until now the window's demand was all us-east's (2,400 against its 1,500); in the last
    // interval it is all eu-west's.
    for (const b of [standby, cold]) {
      b.ingest(report({ region: 'us-east', sequence: 1, keys: [['user:1', 1500, 900]] }), now);
      b.ingest(report({ region: 'eu-west', sequence: 1, keys: [] }), now);
    }
    standby.measureRates(now);
    now += 1000;
    for (const b of [standby, cold]) b.ingest(report({ region: 'eu-west', sequence: 2, keys: [['user:1', 500, 0]] }), now);
    // The first cycle of each as a new leader. The cold one takes us-east's 2,400 for recent
    // demand and lowers eu-west, the region the demand just moved to; the standby does not.
    expect(allocationOf(cold.cycle({ nowMs: now, epoch: 1 }).updates, 'eu-west')).toBeLessThan(1500);
    expect(allocationOf(standby.cycle({ nowMs: now, epoch: 1 }).updates, 'eu-west')).toBeUndefined();
  });

  it('refuses an epoch at or below the last one', () => {
    const b = book();
    b.observeEpoch(5);
    expect(() => b.cycle({ nowMs: WINDOW_START, epoch: 5 })).toThrow('cycle epoch 5 must be above the last epoch 5');
  });
});

/**
 * Model-based property: regions with one or two enforcer instances each apply allocations in order
 * (with arbitrary delays), admit against the regional counter under their own cap, report absolute
 * counts (sometimes stale, duplicated, or not at all: lease expiries), and the reconciler cycles
 * in between. Whatever the interleaving: the caps all instances may be enforcing sum to at most the
 * limit, global admitted never exceeds it, every live region keeps its floor.
 */
describe('QuotaBook safety (fast-check model)', () => {
  type Action =
    | { kind: 'deliver'; region: number; instance: number; count: number }
    | { kind: 'admit'; region: number; instance: number; count: number }
    | { kind: 'report'; region: number; instance: number; stale: boolean }
    | { kind: 'cycle' }
    | { kind: 'failover' }
    | { kind: 'wait'; ms: number };

  const action = (regions: number): fc.Arbitrary<Action> =>
    fc.oneof(
      fc.record({ kind: fc.constant('deliver' as const), region: fc.nat(regions - 1), instance: fc.nat(1), count: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant('admit' as const), region: fc.nat(regions - 1), instance: fc.nat(1), count: fc.integer({ min: 1, max: 400 }) }),
      fc.record({ kind: fc.constant('report' as const), region: fc.nat(regions - 1), instance: fc.nat(1), stale: fc.boolean() }),
      fc.constant({ kind: 'cycle' as const }),
      fc.constant({ kind: 'cycle' as const }),
      fc.constant({ kind: 'failover' as const }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 100, max: 7000 }) }),
    );

  it('never lets the enforced caps or the admitted total exceed the limit, across leader failovers', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 4 }).chain((regions) =>
          fc.record({
            regions: fc.constant(regions),
            limit: fc.integer({ min: 1, max: 2000 }),
            floorPercent: fc.integer({ min: 0, max: 30 }),
            actions: fc.array(action(regions), { minLength: 1, maxLength: 120 }),
          }),
        ),
        ({ regions, limit, floorPercent, actions }) => {
          const names = Array.from({ length: regions }, (_, i) => `r${i}`);
          const newBook = (): QuotaBook => new QuotaBook({ regions: names, floorPercent, leaseMs: LEASE_MS, refreshMs: 3_000, instanceTimeoutMs: 1e12, maxKeysPerUpdate: 4 });
          let b = newBook();
          const published: AllocationUpdate[] = [];
          const split = equalSplit(limit, regions);
          const floor = regionFloor({ limit, regionCount: regions, floorPercent });
          interface Instance { inbox: AllocationUpdate[]; cap: number; epoch: number; admitted: number; denied: number; sequence: number; lastReport: UsageReport | undefined; }
          const instances: Instance[][] = names.map(() => [0, 1].map(() => ({ inbox: [], cap: split, epoch: 0, admitted: 0, denied: 0, sequence: 0, lastReport: undefined })));
          const counters = names.map(() => 0);
          let now = WINDOW_START;
          let epoch = 0;
          for (const a of actions) {
            switch (a.kind) {
              case 'deliver': {
                const inst = instances[a.region][a.instance];
                for (const u of inst.inbox.splice(0, a.count)) {
                  for (const w of u.windows) for (const [, value] of w.keys) inst.cap = value;
                  inst.epoch = u.epoch;
                }
                break;
              }
              case 'admit': {
                const inst = instances[a.region][a.instance];
                for (let i = 0; i < a.count; i += 1) {
                  if (counters[a.region] + 1 <= inst.cap) {
                    counters[a.region] += 1;
                    inst.admitted += 1;
                  } else inst.denied += 1;
                }
                break;
              }
              case 'report': {
                const inst = instances[a.region][a.instance];
                if (a.stale && inst.lastReport !== undefined) {
                  b.ingest(inst.lastReport, now);
                  break;
                }
                inst.sequence += 1;
                inst.lastReport = {
                  ...report({ region: names[a.region], instanceId: `${names[a.region]}-${a.instance}`, sequence: inst.sequence, appliedEpoch: inst.epoch, limit, keys: [['user:1', inst.admitted, inst.denied]] }),
                };
                b.ingest(inst.lastReport, now);
                break;
              }
              case 'cycle': {
                epoch = Math.max(epoch, b.lastEpoch) + 1;
                const out = b.cycle({ nowMs: now, epoch });
                epoch = out.lastEpoch;
                published.push(...out.updates);
                for (const u of out.updates) for (const inst of instances[names.indexOf(u.region)]) inst.inbox.push(u);
                break;
              }
              case 'failover': {
                // A new leader: it knows only the stream (and the epoch counter), then reports.
                b = newBook();
                for (const u of published) b.restore(u, now);
                b.observeEpoch(epoch);
                break;
              }
              case 'wait':
                now += a.ms;
                break;
            }
            // Every cap an instance may enforce now, or later from its inbox, counts for its region.
            let capSum = 0;
            for (const region of instances) {
              let max = 0;
              for (const inst of region) {
                max = Math.max(max, inst.cap);
                for (const u of inst.inbox) for (const w of u.windows) for (const [, value] of w.keys) max = Math.max(max, value);
              }
              capSum += max;
            }
            expect(capSum).toBeLessThanOrEqual(Math.max(limit, split * regions));
            expect(counters.reduce((s, c) => s + c, 0)).toBeLessThanOrEqual(limit);
            for (const region of instances) for (const inst of region) for (const u of inst.inbox) for (const w of u.windows) for (const [, v] of w.keys) expect(v).toBeGreaterThanOrEqual(floor);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('QuotaBook with the global limits of a stacked policy', () => {
  /** March 2026 in Berlin: 1 March 00:00 CET, 31 days less the DST hour. */
  const march = { policyId: 'plan', limitName: 'month', window: 'calendar-month' as const, timeZone: 'Europe/Berlin', windowStartMs: Date.UTC(2026, 1, 28, 23), windowSeconds: 31 * 86_400 - 3_600, limit: 3000 };
  const usage = (region: string, window: UsageReport['windows'][number]): UsageReport => ({ schema: 1, region, instanceId: `${region}-1`, sequence: 1, sentAtMs: 0, appliedEpoch: 0, windows: [window] });
  const now = Date.UTC(2026, 2, 10);

  it('keeps a calendar window of its own per limit, and allocates it under the same name, window and zone', () => {
    const b = book(['us-east', 'eu-west']);
    expect(b.ingest(usage('us-east', { ...march, keys: [['user:1', 1400, 0]] }), now).result).toBe('accepted');
    expect(b.ingest(usage('eu-west', { ...march, keys: [['user:1', 10, 0]] }), now).result).toBe('accepted');
    // Another limit of the same policy in the same bounds never shares its book.
    expect(b.ingest(usage('us-east', { ...march, limitName: 'other', keys: [['user:1', 5, 0]] }), now).result).toBe('accepted');
    const window = b.currentWindow('plan', now, 'month');
    const key = window?.keys.get('user:1');
    expect(window && key && b.usageRows(window, key, now).map((row) => row.admitted)).toEqual([1400, 10]);
    const updates = b.cycle({ nowMs: now, epoch: 1 }).updates;
    const monthWindows = updates.flatMap((u) => u.windows).filter((w) => w.limitName === 'month');
    expect(monthWindows.length).toBeGreaterThan(0);
    for (const w of monthWindows) expect(w).toMatchObject({ policyId: 'plan', window: 'calendar-month', timeZone: 'Europe/Berlin', windowStartMs: march.windowStartMs, windowSeconds: march.windowSeconds });
  });

  it('refuses a calendar window whose start or length is not the calendar\'s', () => {
    const b = book(['us-east', 'eu-west']);
    expect(b.ingest(usage('us-east', { ...march, windowSeconds: 31 * 86_400, keys: [] }), now).result).toBe('misplaced_window');
    expect(b.ingest(usage('us-east', { ...march, windowStartMs: march.windowStartMs + 3_600_000, keys: [] }), now).result).toBe('misplaced_window');
    expect(b.ingest(usage('us-east', { ...march, timeZone: 'UTC', keys: [] }), now).result).toBe('misplaced_window');
  });
});
