import { useEffect, useMemo, useState } from 'preact/hooks';
import { blockedAndDegraded, describeEstimate, rangeQuery, RANGES, throttledPerRegion, topRows, type TopRow } from '../analytics';
import { ApiError } from '../api';
import { TimeChart } from '../chart';
import { Badge, Bar, Empty, ErrorBanner, Loading, Notice, PageHeader } from '../components';
import { useApi } from '../context';
import { formatCount } from '../format';
import { useAsync, type AsyncState } from '../hooks';
import { routeHref } from '../router';
import { keyHash } from '../sha256';
import type { AnalyticsDimension, Estimate, GlobalPolicyUsage, Policy, TimePoint, TimeSeries, TopItems } from '../types';

/** How often the charts refresh on their own (the rollups are per minute). */
const REFRESH_MS = 30_000;

interface Filters {
  minutes: number;
  region: string;
  policyId: string;
  customerId: string | undefined;
  /** A key the operator typed, with its hash (the decision events' KEY_HASH_RULE). */
  key: { raw: string; hash: string } | undefined;
}

/** Sums a list of estimates: counts add, variances add (the bounds are 1.96 standard deviations). */
function totalEstimate(parts: readonly { count: number; estimate: Estimate }[]): { count: number; estimate: Estimate } {
  let count = 0;
  let events: number | null = 0;
  let squaredBounds: number | null = 0;
  let exact = true;
  for (const part of parts) {
    count += part.count;
    exact &&= part.estimate.exact;
    events = events === null || part.estimate.sampledEvents === null ? null : events + part.estimate.sampledEvents;
    squaredBounds = squaredBounds === null || part.estimate.errorBound === null ? null : squaredBounds + part.estimate.errorBound ** 2;
  }
  const sampleRate = exact ? 1 : events === null || count === 0 ? null : Math.min(1, events / count);
  return { count, estimate: { exact, sampledEvents: events, sampleRate, errorBound: squaredBounds === null ? null : Math.ceil(Math.sqrt(squaredBounds)) } };
}

/**
 * Who is throttled, by which policy, in which region, over time: the policy service's per-minute
 * rollups of the enforcers' decision events (GET /v1/analytics/top and /timeseries). Allowed and
 * degraded counts are estimates from sampled events and say so (sample rate, 95% bound); denied,
 * shadow-denied and blocked ones are counted. Picking a customer or finding a key filters every
 * table and chart; for a global policy, the reconciler's exact counts of the current window come first.
 */
export function AnalyticsPage() {
  const api = useApi();
  const [filters, setFilters] = useState<Filters>({ minutes: 60, region: '', policyId: '', customerId: undefined, key: undefined });
  const [keyInput, setKeyInput] = useState('');
  const [tick, setTick] = useState(0);
  const policies = useAsync(() => api.get<{ items: Policy[] }>('/v1/policies'), []);

  // A new range is computed on every refresh, so "the last hour" keeps moving.
  const range = useMemo(() => rangeQuery(filters.minutes, Date.now()), [filters.minutes, tick]);
  const common = {
    ...range,
    region: filters.region || undefined,
    policyId: filters.policyId || undefined,
    customerId: filters.customerId,
    keyHash: filters.key?.hash,
  };
  const deps = [range, filters.region, filters.policyId, filters.customerId, filters.key?.hash];
  const series = useAsync(() => api.get<TimeSeries>('/v1/analytics/timeseries', common), deps);
  const topCustomers = useAsync(() => api.get<TopItems>('/v1/analytics/top', { ...common, dimension: 'customer', limit: 10 }), deps);
  const topKeys = useAsync(() => api.get<TopItems>('/v1/analytics/top', { ...common, dimension: 'key', limit: 10 }), deps);

  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);

  const chart = useMemo(() => (series.state.value === undefined ? undefined : throttledPerRegion(series.state.value)), [series.state.value]);
  const exceptional = useMemo(() => (series.state.value === undefined ? undefined : blockedAndDegraded(series.state.value)), [series.state.value]);
  const regions = useMemo(() => {
    const seen = new Set<string>();
    for (const list of [topCustomers.state.value, topKeys.state.value]) for (const item of list?.items ?? []) seen.add(item.region);
    for (const point of series.state.value?.points ?? []) seen.add(point.region);
    if (filters.region !== '') seen.add(filters.region);
    return [...seen].sort();
  }, [topCustomers.state.value, topKeys.state.value, series.state.value, filters.region]);
  const selectedGlobal = (policies.state.value?.items ?? []).find((p) => p.id === filters.policyId && p.scope === 'global');

  const findKey = (event: Event): void => {
    event.preventDefault();
    const raw = keyInput.trim();
    setFilters({ ...filters, key: raw === '' ? undefined : { raw, hash: keyHash(raw) } });
  };

  return (
    <section>
      <PageHeader title="Throttle analytics" subtitle="Denied, shadow-denied and blocked requests per minute, by region, policy, customer and key (keys appear only as hashes).">
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
                {p.scope === 'global' ? ' (global)' : ''}
              </option>
            ))}
          </select>
        </label>
        <form class="inline-form" onSubmit={findKey} aria-label="Find a key">
          <input name="key" class="search" placeholder="find a key, e.g. user:42" aria-label="Find a key" value={keyInput} onInput={(e) => setKeyInput(e.currentTarget.value)} />
          <button type="submit">Find</button>
        </form>
        {filters.customerId !== undefined ? (
          <span class="chip" data-filter="customer">
            customer {filters.customerId === '' ? '(none)' : filters.customerId}
            <button type="button" class="button-link" aria-label="Clear customer filter" onClick={() => setFilters({ ...filters, customerId: undefined })}>
              ×
            </button>
          </span>
        ) : null}
        {filters.key !== undefined ? (
          <span class="chip" data-filter="key" title={`SHA-256 prefix ${filters.key.hash}, as the enforcers' decision events carry it`}>
            key {filters.key.raw} <span class="mono small">#{filters.key.hash}</span>
            <button
              type="button"
              class="button-link"
              aria-label="Clear key filter"
              onClick={() => {
                setKeyInput('');
                setFilters({ ...filters, key: undefined });
              }}
            >
              ×
            </button>
          </span>
        ) : null}
      </div>

      {selectedGlobal !== undefined ? <ExactGlobalCounts policyId={selectedGlobal.id} keyHashFilter={filters.key?.hash} /> : null}

      <Totals state={series.state} />

      <div class="card">
        <h2>
          Throttled per minute, by region
          {filters.customerId !== undefined ? ` — customer ${filters.customerId || '(none)'}` : ''}
          {filters.key !== undefined ? ` — key ${filters.key.raw}` : ''}
        </h2>
        {series.state.status === 'error' ? <ErrorBanner error={series.state.error} onRetry={() => void series.reload()} /> : null}
        {chart === undefined ? (
          series.state.status === 'loading' ? <Loading what="time series" /> : null
        ) : chart.series.length === 0 ? (
          <Empty>No throttled requests in this range.</Empty>
        ) : (
          <TimeChart data={chart} yLabel="throttled / min" ariaLabel="Throttled requests per minute by region" />
        )}
      </div>

      <div class="card" aria-label="Blocked and degraded">
        <h2>Blocked and degraded per minute</h2>
        <p class="muted small">Blocked: answered 429 by a block, counted. Degraded: decided while a region's store was down, estimated from sampled events.</p>
        {exceptional === undefined ? null : exceptional.series.length === 0 ? (
          <Empty>No blocked or degraded decisions in this range.</Empty>
        ) : (
          <TimeChart data={exceptional} yLabel="decisions / min" ariaLabel="Blocked and degraded decisions per minute" height={200} />
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
        <TopCard title="Most-throttled keys" dimension="key" state={topKeys.state} onRetry={() => void topKeys.reload()} knownKey={filters.key} />
      </div>
    </section>
  );
}

/** Sums of the range, each labelled exact or estimated (with its sample rate and bound). */
function Totals(props: { state: AsyncState<TimeSeries> }) {
  const points = props.state.value?.points;
  if (points === undefined) return null;
  const allowed = totalEstimate(points.map((p) => ({ count: p.allowed, estimate: p.allowedEstimate })));
  const degraded = totalEstimate(points.map((p) => ({ count: p.degraded, estimate: p.degradedEstimate })));
  const sum = (pick: (p: TimePoint) => number): number => points.reduce((total, p) => total + pick(p), 0);
  const shownAllowed = describeEstimate(allowed.count, allowed.estimate, formatCount);
  const shownDegraded = describeEstimate(degraded.count, degraded.estimate, formatCount);
  return (
    <div class="card" aria-label="Totals">
      <dl class="facts">
        <div data-total="allowed">
          <dt>Allowed {shownAllowed.exact ? '' : <Badge tone="warn">estimate</Badge>}</dt>
          <dd title={shownAllowed.title}>{shownAllowed.text}</dd>
        </div>
        <div data-total="denied">
          <dt>Denied</dt>
          <dd>{formatCount(sum((p) => p.denied))}</dd>
        </div>
        <div data-total="shadow">
          <dt>Shadow-denied</dt>
          <dd>{formatCount(sum((p) => p.shadowDenied))}</dd>
        </div>
        <div data-total="blocked">
          <dt>Blocked</dt>
          <dd>{formatCount(sum((p) => p.blocked))}</dd>
        </div>
        <div data-total="degraded">
          <dt>Degraded {shownDegraded.exact ? '' : <Badge tone="warn">estimate</Badge>}</dt>
          <dd title={shownDegraded.title}>{shownDegraded.text}</dd>
        </div>
      </dl>
      <p class="muted small estimate-note" data-sample-note>
        {allowed.estimate.exact
          ? 'Every allowed decision in this range was counted: no figure here is an estimate.'
          : `Allowed and degraded counts are estimates: enforcers publish allowed decisions at a sample rate (${shownAllowed.title}). Bounds are 95% confidence; denied, shadow-denied and blocked decisions are counted, not sampled.`}
      </p>
    </div>
  );
}

/**
 * For a global policy: the reconciler's exact admitted and denied counts of the current window,
 * from every region's usage reports (GET /v1/global-usage), shown before the sampled estimates.
 */
function ExactGlobalCounts(props: { policyId: string; keyHashFilter: string | undefined }) {
  const api = useApi();
  const { state, reload } = useAsync(() => api.get<GlobalPolicyUsage>('/v1/global-usage', { policyId: props.policyId }), [props.policyId]);
  const keys = (state.value?.keys ?? []).filter((k) => props.keyHashFilter === undefined || keyHash(k.key) === props.keyHashFilter);
  const notFound = state.status === 'error' && state.error instanceof ApiError && state.error.status === 404;
  return (
    <div class="card" aria-label="Exact counts">
      <h2>
        Exact counts this window <Badge tone="good">exact</Badge>
      </h2>
      <p class="muted small">
        {props.policyId} is a global policy: the reconciler counts every decision of its current window in every region. These are preferred to the sampled estimates below.{' '}
        <a href={routeHref({ page: 'global', policyId: props.policyId })}>Per-region view</a>
      </p>
      {notFound ? (
        <Notice kind="info">No traffic for this policy in the current window yet.</Notice>
      ) : state.status === 'error' ? (
        <ErrorBanner error={state.error} onRetry={() => void reload()} />
      ) : null}
      {state.value === undefined ? (
        state.status === 'loading' ? <Loading what="exact counts" /> : null
      ) : keys.length === 0 ? (
        <Empty>No key of this window matches.</Empty>
      ) : (
        <table class="table" aria-label="Exact counts this window">
          <thead>
            <tr>
              <th>Key</th>
              <th>Hash</th>
              <th class="num">Admitted</th>
              <th class="num">Denied</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.key} data-exact-key={k.key}>
                <td class="mono">{k.key}</td>
                <td class="mono small">{keyHash(k.key)}</td>
                <td class="num">{formatCount(k.admitted)}</td>
                <td class="num">{formatCount(k.denied)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function TopCard(props: {
  title: string;
  dimension: AnalyticsDimension;
  state: AsyncState<TopItems>;
  onRetry: () => void;
  onPick?: (value: string) => void;
  knownKey?: { raw: string; hash: string };
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
              <th class="num">Blocked</th>
              <th class="num" title="estimated from sampled events">
                Allowed (est.)
              </th>
              <th class="num" title="decided while the store was down; estimated from sampled events">
                Degraded
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <TopRowView key={`${r.value}|${r.region}|${r.policyId}`} row={r} max={max} onPick={props.onPick} knownKey={props.knownKey} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function TopRowView(props: { row: TopRow; max: number; onPick?: (value: string) => void; knownKey?: { raw: string; hash: string } }) {
  const { row } = props;
  const label = row.value === '' ? '(no customer)' : row.value;
  const allowed = describeEstimate(row.allowed, row.allowedEstimate, formatCount);
  const degraded = describeEstimate(row.degraded, row.degradedEstimate, formatCount);
  const known = props.knownKey !== undefined && props.knownKey.hash === row.value ? props.knownKey.raw : undefined;
  return (
    <tr data-top={row.value} data-known-key={known}>
      <td class="mono">
        {props.onPick !== undefined ? (
          <button type="button" class="button-link mono" title="Show only this customer, in every table and chart" onClick={() => props.onPick?.(row.value)}>
            {label}
          </button>
        ) : (
          label
        )}
        {known !== undefined ? <div class="known-key">{known}</div> : null}
      </td>
      <td>
        <Badge>{row.region}</Badge> <span class="muted small">{row.policyId}</span>
      </td>
      <td class="wide">
        <Bar value={row.throttled} max={props.max} tone={row.denied + row.blocked === 0 ? 'shadow' : 'bad'} label={`${formatCount(row.throttled)} throttled`} />
      </td>
      <td class="num">{formatCount(row.denied)}</td>
      <td class="num">{formatCount(row.shadowDenied)}</td>
      <td class="num">{formatCount(row.blocked)}</td>
      <td class="num" title={allowed.title} data-estimate={allowed.exact ? 'exact' : 'estimate'}>
        {allowed.text}
      </td>
      <td class="num" title={degraded.title}>
        {degraded.text}
      </td>
    </tr>
  );
}
