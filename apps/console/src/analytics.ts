import type { Estimate, TimeSeries, TopItem, TopItems } from './types';

export interface ChartSeries {
  readonly label: string;
  readonly values: number[];
}

export interface ChartData {
  /** Minute starts, in Unix seconds (uPlot's x axis). */
  readonly xs: number[];
  readonly series: ChartSeries[];
}

/** Every minute from `from` to `to`, in Unix seconds, and the index of each. */
function minutes(data: TimeSeries): { xs: number[]; index: Map<number, number>; step: number } {
  const step = data.stepSeconds > 0 ? data.stepSeconds : 60;
  const first = Math.floor(Date.parse(data.from) / 1000 / step) * step;
  const last = Math.floor(Date.parse(data.to) / 1000 / step) * step;
  const xs: number[] = [];
  if (Number.isFinite(first) && Number.isFinite(last)) for (let t = first; t <= last && xs.length < 10_000; t += step) xs.push(t);
  return { xs, index: new Map(xs.map((t, i) => [t, i])), step };
}

/**
 * The rollup points as one line per region: throttled requests (denied + shadow-denied + blocked)
 * per minute, summed over the policies in the answer, every minute from `from` to `to` present
 * (0 when the API sent no row for it), regions in name order.
 */
export function throttledPerRegion(data: TimeSeries): ChartData {
  const { xs, index, step } = minutes(data);
  const byRegion = new Map<string, number[]>();
  for (const point of data.points) {
    const i = index.get(Math.floor(Date.parse(point.minute) / 1000 / step) * step);
    if (i === undefined) continue;
    const throttled = point.denied + point.shadowDenied + point.blocked;
    let values = byRegion.get(point.region);
    if (values === undefined) {
      if (throttled === 0) continue;
      values = xs.map(() => 0);
      byRegion.set(point.region, values);
    }
    values[i] += throttled;
  }
  const series = [...byRegion.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([label, values]) => ({ label, values }));
  return { xs, series };
}

/**
 * Blocked and degraded decisions per minute, over every region and policy in the answer: one
 * line each, present only when the range has any (degraded is an estimate, like allowed).
 */
export function blockedAndDegraded(data: TimeSeries): ChartData {
  const { xs, index, step } = minutes(data);
  const blocked = xs.map(() => 0);
  const degraded = xs.map(() => 0);
  for (const point of data.points) {
    const i = index.get(Math.floor(Date.parse(point.minute) / 1000 / step) * step);
    if (i === undefined) continue;
    blocked[i] += point.blocked;
    degraded[i] += point.degraded;
  }
  const series: ChartSeries[] = [];
  if (blocked.some((v) => v > 0)) series.push({ label: 'blocked', values: blocked });
  if (degraded.some((v) => v > 0)) series.push({ label: 'degraded (est.)', values: degraded });
  return { xs, series };
}

export interface TopRow extends TopItem {
  /** denied + shadowDenied + blocked: what the list is sorted by. */
  readonly throttled: number;
}

/** The top list as the API sorted it (denied + shadowDenied + blocked, descending), with the throttled total. */
export function topRows(data: TopItems): TopRow[] {
  return data.items.map((item) => ({ ...item, throttled: item.denied + item.shadowDenied + item.blocked })).sort((a, b) => b.throttled - a.throttled);
}

const percent = new Intl.NumberFormat('en-US', { style: 'percent', maximumSignificantDigits: 2 });

/**
 * An estimated count as the console shows it: the figure, and words saying how it was made.
 * Exact counts read as plain numbers; estimates as `≈ 1,230 ± 96` with the sample rate and the
 * 95% bound in the title; an unknown error says so.
 */
export function describeEstimate(count: number, estimate: Estimate, format: (n: number) => string): { text: string; title: string; exact: boolean } {
  if (estimate.exact) return { text: format(count), title: 'exact: every decision was counted', exact: true };
  const rate = estimate.sampleRate === null ? 'an unknown rate' : percent.format(estimate.sampleRate);
  if (estimate.errorBound === null) return { text: `≈ ${format(count)}`, title: `estimated from sampled events (${rate}); error unknown (counted before the statistics were kept)`, exact: false };
  return {
    text: `≈ ${format(count)} ± ${format(estimate.errorBound)}`,
    title: `estimated from ${estimate.sampledEvents ?? '?'} events sampled at ${rate}; ±${format(estimate.errorBound)} at 95% confidence`,
    exact: false,
  };
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
