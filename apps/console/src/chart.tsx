import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ChartData } from './analytics';

const PALETTE = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#be185d', '#4b5563'];

/** A uPlot time-series chart of `data`, one line per series, resized with its container. */
export function TimeChart(props: { data: ChartData; yLabel: string; height?: number; ariaLabel: string }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);

  useEffect(() => {
    const element = host.current;
    if (element === null) return undefined;
    const options: uPlot.Options = {
      width: Math.max(320, element.clientWidth),
      height: props.height ?? 260,
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [{ stroke: '#475569', grid: { stroke: '#e2e8f0' } }, { label: props.yLabel, stroke: '#475569', grid: { stroke: '#e2e8f0' }, size: 60 }],
      series: [
        {},
        ...props.data.series.map((s, i) => ({
          label: s.label,
          stroke: PALETTE[i % PALETTE.length],
          width: 2,
          fill: `${PALETTE[i % PALETTE.length]}14`,
          points: { show: false },
        })),
      ],
      legend: { show: true },
      cursor: { drag: { x: true, y: false } },
    };
    const chart = new uPlot(options, [props.data.xs, ...props.data.series.map((s) => s.values)], element);
    plot.current = chart;
    const observer = new ResizeObserver(() => chart.setSize({ width: Math.max(320, element.clientWidth), height: props.height ?? 260 }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = undefined;
    };
  }, [props.data, props.yLabel, props.height]);

  return <div class="chart" ref={host} role="img" aria-label={props.ariaLabel} />;
}
