// An Apache ECharts chart (the console's chart library). Canvas renderer: the SVG one writes style
// attributes, which the console's Content-Security-Policy refuses. The figures behind every chart are
// also in a table on the page; the chart's label says them in words for screen readers.
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

echarts.use([BarChart, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, CanvasRenderer]);

export type ChartOption = echarts.EChartsCoreOption;

/** `version` names what the option shows: the chart is drawn again only when it changes. */
export function Chart({
  option,
  version,
  label,
  height = 280,
}: {
  option: ChartOption;
  version: string;
  label: string;
  height?: number;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const latest = useRef(option);
  latest.current = option;
  useEffect(() => {
    if (!ref.current || !version) return;
    const chart = echarts.init(ref.current, null, { renderer: 'canvas', width: 760, height });
    chart.setOption(latest.current);
    return () => chart.dispose();
  }, [version, height]);
  return <div ref={ref} role="img" aria-label={label} data-chart />;
}
