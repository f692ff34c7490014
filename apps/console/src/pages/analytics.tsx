import { useEffect, useMemo, useState } from 'preact/hooks';
import { rangeQuery, RANGES, throttledPerRegion, topRows, type TopRow } from '../analytics';
import { TimeChart } from '../chart';
import { Badge, Bar, Empty, ErrorBanner, Loading, PageHeader } from '../components';
import { useApi } from '../context';
import { formatCount } from '../format';
import { useAsync, type AsyncState } from '../hooks';
import type { AnalyticsDimension, Policy, TimeSeries, TopItems } from '../types';

/** How often the charts refresh on their own (the rollups are per minute). */
const REFRESH_MS = 30_000;

interface Filters {
  minutes: number;
  region: string;
  policyId: string;
  customerId: string | undefined;
}

/**
 * Who is throttled, by which policy, in which region, over time: the policy service's per-minute
 * rollups of the enforcers' decision events (GET /v1/analytics/top and /timeseries). Shadow-mode
 * policies count their would-deny decisions as "shadow denied".
 */
export function AnalyticsPage() {
  const api = useApi();
  const [filters, setFilters] = useState<Filters>({ minutes: 60, region: '', policyId: '', customerId: undefined });
  const [tick, setTick] = useState(0);
  const policies = useAsync(() => api.get<{ items: Policy[] }>('/v1/policies'), []);

  // A new range is computed on every refresh, so "the last hour" keeps moving.
  const range = useMemo(() => rangeQuery(filters.minutes, Date.now()), [filters.minutes, tick]);
  const common = { ...range, region: filters.region || undefined, policyId: filters.policyId || undefined };
  const series = useAsync(
    () => api.get<TimeSeries>('/v1/analytics/timeseries', { ...common, customerId: filters.customerId }),
    [range, filters.region, filters.policyId, filters.customerId],
  );
  const topCustomers = useAsync(() => api.get<TopItems>('/v1/analytics/top', { ...common, dimension: 'customer', limit: 10 }), [range, filters.region, filters.policyId]);
  const topKeys = useAsync(() => api.get<TopItems>('/v1/analytics/top', { ...common, dimension: 'key', limit: 10 }), [range, filters.region, filters.policyId]);

  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);

  const chart = useMemo(() => (series.state.value === undefined ? undefined : throttledPerRegion(series.state.value)), [series.state.value]);
  const regions = useMemo(() => {
    const seen = new Set<string>();
    for (const list of [topCustomers.state.value, topKeys.state.value]) for (const item of list?.items ?? []) seen.add(item.region);
    for (const point of series.state.value?.points ?? []) seen.add(point.region);
    if (filters.region !== '') seen.add(filters.region);
    return [...seen].sort();
  }, [topCustomers.state.value, topKeys.state.value, series.state.value, filters.region]);

  return (
    <section>
      <PageHeader title="Throttle analytics" subtitle="Denied and shadow-denied requests per minute, by region, policy, customer and key (keys appear only as hashes).">
        <button type="button" onClick={() => setTick((t) => t + 1)}>
          Refresh
        </button>
      </PageHeader>
      <div class="toolbar">
        <label class="inline-label">
          Range
          <select name="range" value={String(filters.minutes)} onChange={(e) => setFilters({ ...filters, minutes: Number(e.currentTarget.value) })}>
            {RANGES.map((r) => (
              <option key={r.minutes} value={String(r.minutes)}>
                last {r.label}
              </option>
            ))}
          </select>
        </label>
        <label class="inline-label">
          Region
          <select name="region" value={filters.region} onChange={(e) => setFilters({ ...filters, region: e.currentTarget.value })}>
            <option value="">all regions</option>
            {regions.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label class="inline-label">
          Policy
          <select name="policyId" value={filters.policyId} onChange={(e) => setFilters({ ...filters, policyId: e.currentTarget.value })}>
            <option value="">all policies</option>
            {(policies.state.value?.items ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.id}
                {p.mode === 'shadow' ? ' (shadow)' : ''}
              </option>
            ))}
          </select>
        </label>
        {filters.customerId !== undefined ? (
          <span class="chip">
            customer {filters.customerId === '' ? '(none)' : filters.customerId}
            <button type="button" class="button-link" aria-label="Clear customer filter" onClick={() => setFilters({ ...filters, customerId: undefined })}>
              ×
            </button>
          </span>
        ) : null}
      </div>

      <div class="card">
        <h2>Throttled per minute, by region{filters.customerId !== undefined ? ` — customer ${filters.customerId || '(none)'}` : ''}</h2>
        {series.state.status === 'error' ? <ErrorBanner error={series.state.error} onRetry={() => void series.reload()} /> : null}
        {chart === undefined ? (
          series.state.status === 'loading' ? <Loading what="time series" /> : null
        ) : chart.series.length === 0 ? (
          <Empty>No throttled requests in this range.</Empty>
        ) : (
          <TimeChart data={chart} yLabel="throttled / min" ariaLabel="Throttled requests per minute by region" />
        )}
      </div>

      <div class="grid grid-2">
        <TopCard
          title="Most-throttled customers"
          dimension="customer"
          state={topCustomers.state}
          onRetry={() => void topCustomers.reload()}
          onPick={(value) => setFilters({ ...filters, customerId: value })}
        />
        <TopCard title="Most-throttled keys" dimension="key" state={topKeys.state} onRetry={() => void topKeys.reload()} />
      </div>
    </section>
  );
}

function TopCard(props: {
  title: string;
  dimension: AnalyticsDimension;
  state: AsyncState<TopItems>;
  onRetry: () => void;
  onPick?: (value: string) => void;
}) {
  const rows = props.state.value === undefined ? undefined : topRows(props.state.value);
  const max = Math.max(1, ...(rows ?? []).map((r) => r.throttled));
  return (
    <div class="card" aria-label={props.title}>
      <h2>{props.title}</h2>
      {props.state.status === 'error' ? <ErrorBanner error={props.state.error} onRetry={props.onRetry} /> : null}
      {rows === undefined ? (
        props.state.status === 'loading' ? <Loading what={props.title.toLowerCase()} /> : null
      ) : rows.length === 0 ? (
        <Empty>Nobody was throttled in this range.</Empty>
      ) : (
        <table class="table top" aria-label={props.title}>
          <thead>
            <tr>
              <th>{props.dimension === 'key' ? 'Key hash' : 'Customer'}</th>
              <th>Region / policy</th>
              <th class="wide">Throttled</th>
              <th class="num">Denied</th>
              <th class="num">Shadow</th>
              <th class="num">Allowed</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <TopRowView key={`${r.value}|${r.region}|${r.policyId}`} row={r} max={max} onPick={props.onPick} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function TopRowView(props: { row: TopRow; max: number; onPick?: (value: string) => void }) {
  const { row } = props;
  const label = row.value === '' ? '(no customer)' : row.value;
  return (
    <tr data-top={row.value}>
      <td class="mono">
        {props.onPick !== undefined ? (
          <button type="button" class="button-link mono" title="Show this customer over time" onClick={() => props.onPick?.(row.value)}>
            {label}
          </button>
        ) : (
          label
        )}
      </td>
      <td>
        <Badge>{row.region}</Badge> <span class="muted small">{row.policyId}</span>
      </td>
      <td class="wide">
        <Bar value={row.throttled} max={props.max} tone={row.denied === 0 ? 'shadow' : 'bad'} label={`${formatCount(row.throttled)} throttled`} />
      </td>
      <td class="num">{formatCount(row.denied)}</td>
      <td class="num">{formatCount(row.shadowDenied)}</td>
      <td class="num">{formatCount(row.allowed)}</td>
    </tr>
  );
}
