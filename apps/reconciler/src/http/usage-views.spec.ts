import type { UsageReport } from '@rl/contracts';
import { QuotaBook } from '@rl/global-quota';
import { keyUsageView, policyUsageView, TOP_KEYS } from './usage-views';

const START = 1_764_480_000_000;

function book(): QuotaBook {
  const b = new QuotaBook({ regions: ['us-east', 'eu-west'], floorPercent: 2, leaseMs: 5000, refreshMs: 60_000 });
  const keys = Array.from({ length: 120 }, (_, i) => [`user:${i}`, i, i % 2] as const);
  const report = (region: string, scale: number): UsageReport => ({
    schema: 1,
    region,
    instanceId: `${region}-1`,
    sequence: 1,
    sentAtMs: START,
    appliedEpoch: 0,
    windows: [{ policyId: 'search', windowStartMs: START, windowSeconds: 60, limit: 1000, keys: keys.map(([k, a, d]) => [k, a * scale, d] as const) }],
  });
  b.ingest(report('us-east', 1), START + 1000);
  b.ingest(report('eu-west', 2), START + 1000);
  return b;
}

describe('usage views', () => {
  it('lists the top keys by demand, highest first, with per-region rows', () => {
    const b = book();
    const window = b.currentWindow('search', START + 2000);
    if (window === undefined) throw new Error('no window');
    const view = policyUsageView({ book: b, window, nowMs: START + 2000 });
    expect(view).toMatchObject({ policyId: 'search', limit: 1000, windowSeconds: 60, windowStart: new Date(START).toISOString(), epoch: 0 });
    expect(view.keys).toHaveLength(TOP_KEYS);
    expect(view.keys.map((k) => k.key).slice(0, 3)).toEqual(['user:119', 'user:118', 'user:117']);
    expect(view.keys[0]).toEqual({
      key: 'user:119',
      admitted: 119 * 3,
      denied: 2,
      regions: [
        { region: 'us-east', admitted: 119, denied: 1, allocation: 500 },
        { region: 'eu-west', admitted: 238, denied: 1, allocation: 500 },
      ],
    });
    const demands = view.keys.map((k) => k.admitted + k.denied);
    expect([...demands].sort((x, y) => y - x)).toEqual(demands);
  });

  it('shows one key per region with its last report time and whether the region is silent', () => {
    const b = book();
    const nowMs = START + 7000; // 6 s after the reports: both regions are past the 5 s lease
    const window = b.currentWindow('search', nowMs);
    const key = window?.keys.get('user:7');
    if (window === undefined || key === undefined) throw new Error('no key');
    expect(keyUsageView({ book: b, window, key, nowMs, leader: false })).toEqual({
      policyId: 'search',
      key: 'user:7',
      limit: 1000,
      windowSeconds: 60,
      windowStart: new Date(START).toISOString(),
      epoch: 0,
      leader: false,
      regions: [
        { region: 'us-east', admitted: 7, denied: 1, allocation: 500, lastReportAt: new Date(START + 1000).toISOString(), silent: true },
        { region: 'eu-west', admitted: 14, denied: 1, allocation: 500, lastReportAt: new Date(START + 1000).toISOString(), silent: true },
      ],
    });
  });

  it("names the stacked limit a window counts, and only then", () => {
    const b = new QuotaBook({ regions: ['us-east', 'eu-west'], floorPercent: 2, leaseMs: 5000, refreshMs: 60_000 });
    b.ingest(
      {
        schema: 1,
        region: 'us-east',
        instanceId: 'us-east-1',
        sequence: 1,
        sentAtMs: START,
        appliedEpoch: 0,
        windows: [
          { policyId: 'plan', limitName: 'minute', windowStartMs: START, windowSeconds: 60, limit: 1000, keys: [['user:1', 5, 0]] },
          { policyId: 'search', windowStartMs: START, windowSeconds: 60, limit: 1000, keys: [['user:1', 5, 0]] },
        ],
      },
      START + 1000,
    );
    const stacked = b.currentWindow('plan', START + 2000, 'minute');
    const single = b.currentWindow('search', START + 2000);
    const key = stacked?.keys.get('user:1');
    if (stacked === undefined || single === undefined || key === undefined) throw new Error('no window');
    expect(policyUsageView({ book: b, window: stacked, nowMs: START + 2000 })).toMatchObject({ policyId: 'plan', limitName: 'minute' });
    expect(keyUsageView({ book: b, window: stacked, key, nowMs: START + 2000, leader: true })).toMatchObject({ policyId: 'plan', limitName: 'minute', key: 'user:1' });
    expect(policyUsageView({ book: b, window: single, nowMs: START + 2000 })).not.toHaveProperty('limitName');
  });
});
