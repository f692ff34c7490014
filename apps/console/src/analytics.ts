import type { TimeSeries, TopItems } from './types';

export interface ChartSeries {
  readonly label: string;
  readonly values: number[];
}

export interface ChartData {
  /** Minute starts, in Unix seconds (uPlot's x axis). */
  readonly xs: number[];
  readonly series: ChartSeries[];
}

/**
 * The rollup points as one line per region: throttled requests (denied + shadow-denied) per minute,
 * summed over the policies in the answer, every minute from `from` to `to` present (0 when the API
 * sent no row for it), regions in name order.
 */
export function throttledPerRegion(data: TimeSeries): ChartData {
  const step = data.stepSeconds > 0 ? data.stepSeconds : 60;
  const first = Math.floor(Date.parse(data.from) / 1000 / step) * step;
  const last = Math.floor(Date.parse(data.to) / 1000 / step) * step;
  const xs: number[] = [];
  if (Number.isFinite(first) && Number.isFinite(last)) for (let t = first; t <= last && xs.length < 10_000; t += step) xs.push(t);
  const index = new Map(xs.map((t, i) => [t, i]));
  const byRegion = new Map<string, number[]>();
  for (const point of data.points) {
    const t = Math.floor(Date.parse(point.minute) / 1000 / step) * step;
    const i = index.get(t);
    if (i === undefined) continue;
    let values = byRegion.get(point.region);
    if (values === undefined) {
      values = xs.map(() => 0);
      byRegion.set(point.region, values);
    }
    values[i] += point.denied + point.shadowDenied;
  }
  const series = [...byRegion.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([label, values]) => ({ label, values }));
  return { xs, series };
}

export interface TopRow {
  readonly value: string;
  readonly region: string;
  readonly policyId: string;
  readonly denied: number;
  readonly shadowDenied: number;
  readonly allowed: number;
  /** denied + shadowDenied: what the list is sorted by. */
  readonly throttled: number;
}

/** The top list as the API sorted it (denied + shadowDenied, descending), with the throttled total. */
export function topRows(data: TopItems): TopRow[] {
  return data.items.map((item) => ({ ...item, throttled: item.denied + item.shadowDenied })).sort((a, b) => b.throttled - a.throttled);
}

export const RANGES = [
  { label: '15 minutes', minutes: 15 },
  { label: '1 hour', minutes: 60 },
  { label: '6 hours', minutes: 360 },
  { label: '24 hours', minutes: 1440 },
] as const;

/** `from`/`to` query values for the last `minutes`, `to` rounded up to the next minute. */
export function rangeQuery(minutes: number, now: number): { from: string; to: string } {
  const to = Math.ceil(now / 60_000) * 60_000;
  return { from: new Date(to - minutes * 60_000).toISOString(), to: new Date(to).toISOString() };
}
