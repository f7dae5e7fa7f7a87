'use client';

import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Metric, TrendPoint } from '../lib/types';
import { DownloadableChart } from './downloadable-chart';

/** A product's figure per window (bars; gaps where it was outside the stored top 1000) and its moving average (line). `download`: the PNG's file name and title. */
export function TrendChart(props: {
  points: TrendPoint[];
  metric: Metric;
  interval: string;
  timeZone: string;
  movingAverageWindows: number;
  download: { fileName: string; title: string };
}) {
  const scale = props.metric === 'revenue' ? 100 : 1; // cents → currency units for the axis
  const label = new Intl.DateTimeFormat('en-GB', {
    timeZone: props.timeZone,
    ...(props.interval === 'hour' ? { day: 'numeric', hour: '2-digit', hourCycle: 'h23' } : { day: 'numeric', month: 'short' }),
  } as Intl.DateTimeFormatOptions);
  const rows = props.points.map((p) => ({
    when: label.format(new Date(p.windowStart)),
    figure: p.value === null ? null : Number(p.value) / scale,
    average: p.movingAverage === null ? null : p.movingAverage / scale,
  }));
  const unit = props.metric === 'revenue' ? 'revenue ($)' : 'units';
  return (
    <DownloadableChart
      {...props.download}
      bodyClassName="chart-small"
      label={`Trend of ${unit} per ${props.interval}, with a ${props.movingAverageWindows}-${props.interval} moving average`}
    >
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={rows} margin={{ top: 4, right: 16, bottom: 4, left: 8 }}>
          <CartesianGrid vertical={false} stroke="#d9dde3" />
          <XAxis dataKey="when" stroke="#4d5562" fontSize={12} minTickGap={16} />
          <YAxis stroke="#4d5562" fontSize={12} width={60} />
          <Tooltip />
          <Legend formatter={(value: string) => <span style={{ color: '#1b1f24' }}>{value}</span>} />
          <Bar dataKey="figure" name={unit} fill="#93b0ee" isAnimationActive={false} />
          <Line
            dataKey="average"
            name={`${props.movingAverageWindows}-${props.interval} moving average`}
            stroke="#1d4ed8"
            strokeWidth={2}
            dot={false}
            connectNulls
            isAnimationActive={false}
          />
        </ComposedChart>
      </ResponsiveContainer>
    </DownloadableChart>
  );
}
