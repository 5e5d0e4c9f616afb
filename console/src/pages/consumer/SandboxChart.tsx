// One measure of a sandbox answer as an ECharts bar chart, each bar with its 95% interval as an error
// bar; a suppressed group keeps its place on the axis, labelled as suppressed, with no bar (it is not 0).
import { BarChart, CustomChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import type { CustomSeriesRenderItemAPI } from 'echarts';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

echarts.use([BarChart, CustomChart, GridComponent, TooltipComponent, CanvasRenderer]);

export interface Bar {
  label: string;
  /** null: suppressed. */
  value: number | null;
  margin: number;
}

export function SandboxChart({
  bars,
  label,
  suppressedLabel,
}: {
  bars: Bar[];
  label: string;
  suppressedLabel: string;
}) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const chart = echarts.init(el.current, undefined, { renderer: 'canvas' });
    const categories = bars.map((b) => (b.value === null ? `${b.label}\n(${suppressedLabel})` : b.label));
    chart.setOption({
      animation: false,
      grid: { left: 80, right: 24, top: 24, bottom: 80 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: categories, axisLabel: { interval: 0, rotate: bars.length > 6 ? 30 : 0 } },
      yAxis: { type: 'value' },
      series: [
        { type: 'bar', name: label, data: bars.map((b) => b.value), itemStyle: { color: '#0b57d0' } },
        {
          type: 'custom',
          name: '95%',
          // y: the interval's ends, so the axis is scaled to hold the whiskers too
          encode: { x: 0, y: [1, 2] },
          data: bars.map((b, i) =>
            b.value === null || !b.margin ? null : [i, b.value - b.margin, b.value + b.margin],
          ),
          renderItem: (_params: unknown, api: CustomSeriesRenderItemAPI) => {
            const low = api.coord([api.value(0), api.value(1)]);
            const high = api.coord([api.value(0), api.value(2)]);
            const half = 8; // px: the whiskers' half-width
            const style = { stroke: '#1b1f24', lineWidth: 1.5 };
            return {
              type: 'group',
              children: [
                { type: 'line', shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] }, style },
                { type: 'line', shape: { x1: low[0] - half, y1: low[1], x2: low[0] + half, y2: low[1] }, style },
                { type: 'line', shape: { x1: high[0] - half, y1: high[1], x2: high[0] + half, y2: high[1] }, style },
              ],
            };
          },
          z: 10,
        },
      ],
    });
    const resize = () => chart.resize();
    addEventListener('resize', resize);
    return () => {
      removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [bars, label, suppressedLabel]);
  // The table beside it is the accessible form; the chart is named for what it shows.
  return (
    <div
      ref={el}
      className="chart"
      role="img"
      aria-label={label}
      data-bars={JSON.stringify(bars.map((b) => [b.label, b.value]))}
    />
  );
}
