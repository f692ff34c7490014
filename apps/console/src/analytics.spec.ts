import { rangeQuery, throttledPerRegion, topRows } from './analytics';

describe('throttledPerRegion', () => {
  it('makes one line per region with every minute of the range, summing policies, zero where no row came', () => {
    const chart = throttledPerRegion({
      from: '2026-11-30T07:00:00.000Z',
      to: '2026-11-30T07:03:00.000Z',
      stepSeconds: 60,
      points: [
        { minute: '2026-11-30T07:01:00.000Z', region: 'us-east', policyId: 'a', allowed: 10, denied: 3, shadowDenied: 0 },
        { minute: '2026-11-30T07:01:00.000Z', region: 'us-east', policyId: 'b', allowed: 10, denied: 1, shadowDenied: 2 },
        { minute: '2026-11-30T07:03:00.000Z', region: 'eu-west', policyId: 'a', allowed: 1, denied: 4, shadowDenied: 0 },
        { minute: '2026-11-30T08:00:00.000Z', region: 'eu-west', policyId: 'a', allowed: 1, denied: 99, shadowDenied: 0 },
      ],
    });
    const t0 = Date.parse('2026-11-30T07:00:00.000Z') / 1000;
    expect(chart.xs).toEqual([t0, t0 + 60, t0 + 120, t0 + 180]);
    expect(chart.series).toEqual([
      { label: 'eu-west', values: [0, 0, 0, 4] },
      { label: 'us-east', values: [0, 6, 0, 0] },
    ]);
  });

  it('has no lines when nothing was throttled', () => {
    expect(throttledPerRegion({ from: '2026-11-30T07:00:00Z', to: '2026-11-30T07:01:00Z', stepSeconds: 60, points: [] }).series).toEqual([]);
  });
});

describe('topRows', () => {
  it('adds the throttled total and keeps the busiest first', () => {
    const rows = topRows({
      from: '',
      to: '',
      dimension: 'customer',
      items: [
        { value: 'a', region: 'us-east', policyId: 'p', denied: 1, shadowDenied: 1, allowed: 5 },
        { value: 'b', region: 'us-east', policyId: 'p', denied: 0, shadowDenied: 7, allowed: 5 },
      ],
    });
    expect(rows.map((r) => [r.value, r.throttled])).toEqual([
      ['b', 7],
      ['a', 2],
    ]);
  });
});

describe('rangeQuery', () => {
  it('ends at the next whole minute', () => {
    expect(rangeQuery(60, Date.parse('2026-11-30T07:00:30.000Z'))).toEqual({ from: '2026-11-30T06:01:00.000Z', to: '2026-11-30T07:01:00.000Z' });
  });
});
