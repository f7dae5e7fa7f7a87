'use client';

import { Bar, CartesianGrid, Cell, ComposedChart, Legend, Line, ReferenceArea, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Metric, TrendPoint } from '../lib/types';
import { DownloadableChart } from './downloadable-chart';

const EXACT_FILL = '#93b0ee';
const ESTIMATE_FILL = '#dbe4f8';
const ESTIMATE_STROKE = '#5b7fd6';
const SHOWN_FILL = '#fde68a';
const SHOWN_STROKE = '#d97706';

/**
 * A product's figure per window (bars: exact ones solid, estimates pale with a dashed outline; gaps where it
 * was outside the stored top 1000), its moving average over closed windows (line), and the window the page
 * shows shaded. `download`: the PNG's file name and title.
 */
export function TrendChart(props: {
  points: TrendPoint[];
  metric: Metric;
  interval: string;
  timeZone: string;
  movingAverageWindows: number;
  /** The window the page shows ([start, end), ISO): its points are shaded. */
  shown: { start: string; end: string; label: string };
  download: { fileName: string; title: string };
}) {
  const scale = props.metric === 'revenue' ? 100 : 1; // cents → currency units for the axis
  const label = new Intl.DateTimeFormat('en-GB', {
    timeZone: props.timeZone,
    ...(props.interval === 'hour' ? { weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } : { day: 'numeric', month: 'short' }),
  } as Intl.DateTimeFormatOptions);
  const rows = props.points.map((p) => ({
    when: label.format(new Date(p.windowStart)),
    figure: p.value === null ? null : Number(p.value) / scale,
    average: p.movingAverage === null ? null : p.movingAverage / scale,
    estimate: p.source === 'speed',
  }));
  const inShown = props.points.map((p) => p.windowStart >= props.shown.start && p.windowStart < props.shown.end);
  const first = inShown.indexOf(true);
  const last = inShown.lastIndexOf(true);
  const unit = props.metric === 'revenue' ? 'revenue' : 'units';
  const money = (v: number) => (props.metric === 'revenue' ? `$${compact(v)}` : compact(v));
  const hasEstimates = rows.some((r) => r.estimate && r.figure !== null);
  const legend: LegendEntry[] = [
    { text: `${unit} (exact)`, fill: EXACT_FILL },
    ...(hasEstimates ? [{ text: `${unit} (estimate)`, fill: ESTIMATE_FILL, stroke: ESTIMATE_STROKE }] : []),
    { text: `${props.movingAverageWindows}-${props.interval} moving average (closed ${props.interval}s)`, line: '#1d4ed8' },
    ...(first >= 0 ? [first === last ? { text: `shown: ${props.shown.label}`, line: SHOWN_STROKE } : { text: `shown: ${props.shown.label}`, fill: SHOWN_FILL }] : []),
  ];
  return (
    <DownloadableChart
      {...props.download}
      bodyClassName="chart-small"
      label={`Trend of ${unit} per ${props.interval}, with a ${props.movingAverageWindows}-${props.interval} moving average`}
    >
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={rows} margin={{ top: 4, right: 16, bottom: 4, left: 8 }} title={`Trend of ${unit} per ${props.interval}`}>
          <CartesianGrid vertical={false} stroke="#d9dde3" />
          <XAxis dataKey="when" stroke="#4d5562" fontSize={12} minTickGap={16} />
          <YAxis stroke="#4d5562" fontSize={12} width={60} tickFormatter={money} />
          <Tooltip formatter={(v) => (typeof v === 'number' ? money(v) : String(v))} />
          {first >= 0 && first === last ? (
            // One point (an hour on the hourly trend): a band of zero width would not show, so a line through it.
            <ReferenceLine x={rows[first]!.when} stroke={SHOWN_STROKE} strokeWidth={2} label={{ value: 'shown', position: 'insideTop', fill: '#4d5562', fontSize: 11 }} />
          ) : first >= 0 ? (
            <ReferenceArea
              x1={rows[first]!.when}
              x2={rows[last]!.when}
              fill={SHOWN_FILL}
              fillOpacity={0.5}
              ifOverflow="extendDomain"
              label={{ value: 'shown', position: 'insideTop', fill: '#4d5562', fontSize: 11 }}
            />
          ) : null}
          <Legend content={() => <TrendLegend entries={legend} />} />
          <Bar dataKey="figure" name={unit} fill={EXACT_FILL} isAnimationActive={false}>
            {rows.map((r, i) => (
              <Cell key={i} fill={r.estimate ? ESTIMATE_FILL : EXACT_FILL} stroke={r.estimate ? ESTIMATE_STROKE : undefined} strokeDasharray={r.estimate ? '3 2' : undefined} />
            ))}
          </Bar>
          <Line dataKey="average" name="moving average" stroke="#1d4ed8" strokeWidth={2} dot={false} connectNulls isAnimationActive={false} />
        </ComposedChart>
      </ResponsiveContainer>
    </DownloadableChart>
  );
}

interface LegendEntry {
  text: string;
  fill?: string;
  stroke?: string;
  line?: string;
}

/** The legend as HTML with SVG swatches (the PNG flattens both): exact and estimate bars, the average, the shown window. */
function TrendLegend({ entries }: { entries: LegendEntry[] }) {
  return (
    <ul className="trend-legend">
      {entries.map((e) => (
        <li key={e.text}>
          <svg width="14" height="10" aria-hidden>
            {e.line ? (
              <line x1="0" y1="5" x2="14" y2="5" stroke={e.line} strokeWidth="2" />
            ) : (
              <rect x="0.5" y="0.5" width="13" height="9" fill={e.fill} stroke={e.stroke ?? e.fill} strokeDasharray={e.stroke ? '3 2' : undefined} />
            )}
          </svg>{' '}
          <span style={{ color: '#1b1f24' }}>{e.text}</span>
        </li>
      ))}
    </ul>
  );
}

const compact = (v: number) => new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 }).format(v);
