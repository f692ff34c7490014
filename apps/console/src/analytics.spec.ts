import { blockedAndDegraded, describeEstimate, rangeQuery, throttledPerRegion, topRows } from './analytics';
import { formatCount } from './format';
import { counts } from './testing/analytics-counts';

describe('throttledPerRegion', () => {
  it('makes one line per region with every minute of the range, summing policies and blocks, zero where no row came', () => {
    const chart = throttledPerRegion({
      from: '2026-11-30T07:00:00.000Z',
      to: '2026-11-30T07:03:00.000Z',
      stepSeconds: 60,
      points: [
        { minute: '2026-11-30T07:01:00.000Z', region: 'us-east', policyId: 'a', ...counts({ allowed: 10, denied: 3 }) },
        { minute: '2026-11-30T07:01:00.000Z', region: 'us-east', policyId: 'b', ...counts({ allowed: 10, denied: 1, shadowDenied: 2 }) },
        { minute: '2026-11-30T07:02:00.000Z', region: 'us-east', policyId: 'blocked', ...counts({ blocked: 5 }) },
        { minute: '2026-11-30T07:03:00.000Z', region: 'eu-west', policyId: 'a', ...counts({ allowed: 1, denied: 4 }) },
        { minute: '2026-11-30T07:03:00.000Z', region: 'ap-south', policyId: 'a', ...counts({ allowed: 7 }) },
        { minute: '2026-11-30T08:00:00.000Z', region: 'eu-west', policyId: 'a', ...counts({ allowed: 1, denied: 99 }) },
      ],
    });
    const t0 = Date.parse('2026-11-30T07:00:00.000Z') / 1000;
    expect(chart.xs).toEqual([t0, t0 + 60, t0 + 120, t0 + 180]);
    expect(chart.series).toEqual([
      { label: 'eu-west', values: [0, 0, 0, 4] },
      { label: 'us-east', values: [0, 6, 5, 0] },
    ]);
  });

  it('has no lines when nothing was throttled', () => {
    expect(throttledPerRegion({ from: '2026-11-30T07:00:00Z', to: '2026-11-30T07:01:00Z', stepSeconds: 60, points: [] }).series).toEqual([]);
  });
});

describe('blockedAndDegraded', () => {
  it('sums blocked and degraded decisions per minute over regions, a line each only when present', () => {
    const chart = blockedAndDegraded({
      from: '2026-11-30T07:00:00.000Z',
      to: '2026-11-30T07:02:00.000Z',
      stepSeconds: 60,
      points: [
        { minute: '2026-11-30T07:00:00.000Z', region: 'us-east', policyId: 'blocked', ...counts({ blocked: 2 }) },
        { minute: '2026-11-30T07:02:00.000Z', region: 'eu-west', policyId: 'blocked', ...counts({ blocked: 1 }) },
        { minute: '2026-11-30T07:02:00.000Z', region: 'eu-west', policyId: 'a', ...counts({ degraded: 40 }) },
      ],
    });
    expect(chart.series).toEqual([
      { label: 'blocked', values: [2, 0, 1] },
      { label: 'degraded (est.)', values: [0, 0, 40] },
    ]);
    expect(blockedAndDegraded({ from: '2026-11-30T07:00:00Z', to: '2026-11-30T07:01:00Z', stepSeconds: 60, points: [] }).series).toEqual([]);
  });
});

describe('topRows', () => {
  it('adds the throttled total (blocks included) and keeps the busiest first', () => {
    const rows = topRows({
      from: '',
      to: '',
      dimension: 'customer',
      items: [
        { value: 'a', region: 'us-east', policyId: 'p', ...counts({ denied: 1, shadowDenied: 1, allowed: 5 }) },
        { value: 'b', region: 'us-east', policyId: 'p', ...counts({ shadowDenied: 7, allowed: 5 }) },
        { value: 'c', region: 'us-east', policyId: 'blocked', ...counts({ blocked: 3 }) },
      ],
    });
    expect(rows.map((r) => [r.value, r.throttled])).toEqual([
      ['b', 7],
      ['c', 3],
      ['a', 2],
    ]);
  });
});

describe('describeEstimate', () => {
  it('shows exact counts plainly and estimates with their bound, sample rate and confidence', () => {
    expect(describeEstimate(12, { exact: true, sampledEvents: 12, sampleRate: 1, errorBound: 0 }, formatCount)).toEqual({
      text: '12',
      title: 'exact: every decision was counted',
      exact: true,
    });
    expect(describeEstimate(1200, { exact: false, sampledEvents: 12, sampleRate: 0.01, errorBound: 665 }, formatCount)).toEqual({
      text: '≈ 1,200 ± 665',
      title: 'estimated from 12 events sampled at 1%; ±665 at 95% confidence',
      exact: false,
    });
    expect(describeEstimate(50, { exact: false, sampledEvents: null, sampleRate: null, errorBound: null }, formatCount).text).toBe('≈ 50');
  });
});

describe('rangeQuery', () => {
  it('ends at the next whole minute', () => {
    expect(rangeQuery(60, Date.parse('2026-11-30T07:00:30.000Z'))).toEqual({ from: '2026-11-30T06:01:00.000Z', to: '2026-11-30T07:01:00.000Z' });
  });
});
