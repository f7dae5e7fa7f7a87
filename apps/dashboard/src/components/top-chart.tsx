'use client';

import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatFigure } from '../lib/format';
import type { Metric } from '../lib/types';
import { DownloadableChart } from './downloadable-chart';

export interface TopChartDatum {
  label: string;
  /** The figure as a decimal string (cents for revenue). */
  value: string;
}

/**
 * Horizontal bars of the top 10. Bar lengths use Number() (drawing only); labels keep the exact figure.
 * `download`: the PNG's file name and title.
 */
export function TopChart({ data, metric, download }: { data: TopChartDatum[]; metric: Metric; download: { fileName: string; title: string } }) {
  const rows = data.map((d) => ({ label: d.label, plotted: Number(d.value), exact: d.value }));
  return (
    <DownloadableChart
      {...download}
      bodyClassName="chart"
      label={`Bar chart of the top ${data.length} by ${metric}; the table beside it holds the same figures`}
    >
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} layout="vertical" margin={{ top: 4, right: 16, bottom: 4, left: 8 }}>
          <CartesianGrid horizontal={false} stroke="#d9dde3" />
          <XAxis
            type="number"
            tickFormatter={(v: number) => (metric === 'revenue' ? `$${compact(v / 100)}` : compact(v))}
            stroke="#4d5562"
            fontSize={12}
          />
          <YAxis type="category" dataKey="label" width={130} stroke="#4d5562" fontSize={12} interval={0} tickFormatter={(v: string) => clip(v, 20)} />
          <Tooltip formatter={(_v, _n, item) => [formatFigure((item.payload as { exact: string }).exact, metric), metric]} />
          <Bar dataKey="plotted" fill="#1d4ed8" radius={[0, 4, 4, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </DownloadableChart>
  );
}

const compact = (v: number) => new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 }).format(v);
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
