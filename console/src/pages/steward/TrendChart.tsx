// The quality trend as an ECharts line chart (canvas: the page's CSP allows no inline styles in markup).
// The same figures are in the table beside it, which is what screen readers and the tests read.
import { LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

echarts.use([LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export interface TrendPoint {
  at: string;
  score: number;
  completeness?: number;
  uniqueness?: number;
  accuracy?: number;
}

export function TrendChart({
  points,
  label,
  names,
}: {
  points: TrendPoint[];
  label: string;
  names: { score: string; completeness: string; uniqueness: string; accuracy: string };
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!ref.current) return;
    const chart = echarts.init(ref.current, undefined, { renderer: 'canvas' });
    const pct = (v: number | undefined) => (v === undefined ? null : Math.round(v * 10000) / 100);
    const x = points.map((p) => new Date(p.at).toLocaleString());
    chart.setOption({
      animation: false,
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 48, right: 24, top: 40, bottom: 40 },
      xAxis: { type: 'category', data: x },
      yAxis: { type: 'value', min: 0, max: 100 },
      series: [
        { name: names.score, type: 'line', data: points.map((p) => p.score) },
        { name: names.completeness, type: 'line', data: points.map((p) => pct(p.completeness)) },
        { name: names.uniqueness, type: 'line', data: points.map((p) => pct(p.uniqueness)) },
        { name: names.accuracy, type: 'line', data: points.map((p) => pct(p.accuracy)) },
      ],
    });
    const resize = () => chart.resize();
    addEventListener('resize', resize);
    return () => {
      removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [points, names]);
  return <div ref={ref} className="chart" role="img" aria-label={label} data-points={points.length} />;
}
