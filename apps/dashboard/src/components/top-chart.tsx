'use client';

import { useLayoutEffect, useRef, useState } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis, type YAxisTickContentProps } from 'recharts';
import { formatFigure } from '../lib/format';
import type { Metric } from '../lib/types';
import { estimateWidth, wrapLabel } from '../lib/wrap-label';
import { DownloadableChart } from './downloadable-chart';

export interface TopChartDatum {
  label: string;
  /** The figure as a decimal string (cents for revenue). */
  value: string;
}

const FONT_PX = 12;
const LINE_PX = 15;
/** Room between a label and the bars, px. */
const GAP_PX = 8;

/**
 * Horizontal bars of the top 10. Bar lengths use Number() (drawing only); labels keep the exact figure.
 * Every name shows whole: the label column is as wide as the longest name up to about half the chart,
 * a longer name wraps onto more lines, and each row is as tall as the most lines need (so the PNG,
 * drawn from the same SVG, shows them whole too). `download`: the PNG's file name and title.
 */
export function TopChart({ data, metric, download }: { data: TopChartDatum[]; metric: Metric; download: { fileName: string; title: string } }) {
  const rows = data.map((d) => ({ label: d.label, plotted: Number(d.value), exact: d.value }));
  const box = useRef<HTMLDivElement>(null);
  const [layout, setLayout] = useState<{ width: number; measure: (s: string) => number }>({ width: 0, measure: estimateWidth(FONT_PX) });
  useLayoutEffect(() => {
    const element = box.current;
    if (!element) return;
    const measure = canvasMeasure(`${FONT_PX}px ${getComputedStyle(element).fontFamily}`);
    const observer = new ResizeObserver(() => setLayout({ width: element.clientWidth, measure }));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const widest = Math.max(0, ...rows.map((r) => layout.measure(r.label)));
  const axisWidth = Math.ceil(Math.min(widest + GAP_PX + 2, Math.max(120, (layout.width || 700) * (layout.width < 600 ? 0.5 : 0.42))));
  const lines = new Map(rows.map((r) => [r.label, wrapLabel(r.label, axisWidth - GAP_PX - 2, layout.measure)]));
  const mostLines = Math.max(1, ...[...lines.values()].map((l) => l.length));
  const rowPx = Math.max(32, mostLines * LINE_PX + 12);
  const heightPx = Math.max(340, rows.length * rowPx + 40);

  return (
    <DownloadableChart
      {...download}
      bodyClassName="chart"
      bodyStyle={{ height: heightPx }}
      label={`Bar chart of the top ${data.length} by ${metric}; the table beside it holds the same figures`}
    >
      <div ref={box} style={{ width: '100%', height: '100%' }}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={rows} layout="vertical" margin={{ top: 4, right: 16, bottom: 4, left: 8 }} title={`Top ${data.length} by ${metric}: bar chart`}>
            <CartesianGrid horizontal={false} stroke="#d9dde3" />
            <XAxis
              type="number"
              tickFormatter={(v: number) => (metric === 'revenue' ? `$${compact(v / 100)}` : compact(v))}
              stroke="#4d5562"
              fontSize={FONT_PX}
            />
            <YAxis
              type="category"
              dataKey="label"
              width={axisWidth}
              stroke="#4d5562"
              interval={0}
              tick={(props: YAxisTickContentProps) => {
                const label = String(props.payload.value);
                return <WrappedLabel x={Number(props.x)} y={Number(props.y)} lines={lines.get(label) ?? [label]} />;
              }}
            />
            <Tooltip formatter={(_v, _n, item) => [formatFigure((item.payload as { exact: string }).exact, metric), metric]} />
            <Bar dataKey="plotted" fill="#1d4ed8" radius={[0, 4, 4, 0]} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </DownloadableChart>
  );
}

/** A bar's name, right-aligned against the axis, its lines centred on the bar. */
function WrappedLabel({ x, y, lines }: { x: number; y: number; lines: string[] }) {
  const firstDy = -((lines.length - 1) * LINE_PX) / 2 + FONT_PX * 0.35;
  return (
    <text x={x - GAP_PX} y={y} textAnchor="end" fontSize={FONT_PX} fill="#4d5562" className="recharts-cartesian-axis-tick-value" data-testid="bar-label">
      {lines.map((line, i) => (
        <tspan key={i} x={x - GAP_PX} dy={i === 0 ? firstDy : LINE_PX}>
          {line}
        </tspan>
      ))}
    </text>
  );
}

/** Text widths from a canvas in the page's font: what the SVG will draw. */
function canvasMeasure(font: string): (s: string) => number {
  const context = document.createElement('canvas').getContext('2d');
  if (!context) return estimateWidth(FONT_PX);
  context.font = font;
  return (s: string) => context.measureText(s).width;
}

const compact = (v: number) => new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 }).format(v);
