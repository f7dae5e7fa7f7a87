import { csvText, type Metric } from '@hitboard/schema';

/** One product of a report's top list, exact (a batch window). Amounts are integer cents, as strings. */
export interface ReportTopRow {
  rank: number;
  productId: string;
  name: string;
  category: string;
  units: string;
  revenueCents: string;
  orders: string;
}

/** A mover episode that began in the report's window, with its peak factor. */
export interface ReportMover {
  productId: string;
  name: string;
  category: string;
  direction: 'up' | 'down';
  since: Date;
  /** null for a new product (nothing to compare with). */
  peakFactor: number | null;
  units: string;
}

export interface ReportData {
  report: string;
  interval: string;
  windowStart: Date;
  windowEnd: Date;
  /** The window in the reporting zone, as a reader says it: "2026-11-20" or "2026-11-16 – 2026-11-22". */
  label: string;
  zone: string;
  metric: Metric;
  top: ReportTopRow[];
  movers: ReportMover[];
}

export const REPORT_CSV_HEADER = ['section', 'rank', 'product_id', 'name', 'category', 'units', 'revenue_cents', 'orders', 'factor', 'since'] as const;

/**
 * The report as CSV (libs/schema's writer, the dashboard's too: RFC 4180, formulas defused): the top rows
 * (`section` top, by rank), then the period's movers (`section` mover, by factor).
 */
export function reportCsv(r: ReportData): string {
  const lines: string[][] = [[...REPORT_CSV_HEADER]];
  for (const t of r.top) lines.push(['top', String(t.rank), t.productId, t.name, t.category, t.units, t.revenueCents, t.orders, '', '']);
  r.movers.forEach((m, i) => lines.push(['mover', String(i + 1), m.productId, m.name, m.category, m.units, '', '', m.peakFactor === null ? 'new' : m.peakFactor.toFixed(2), m.since.toISOString()]));
  return csvText(lines);
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const money = (cents: string) => {
  const c = BigInt(cents);
  return `${c / 100n}.${String(c % 100n).padStart(2, '0')}`;
};

/**
 * The report as an SVG chart: a horizontal bar per top product (its metric, to scale), then the
 * period's movers with their factor. Plain SVG 1.1, no script or external font: mail clients and
 * Slack previews render it as is.
 */
export function reportSvg(r: ReportData): string {
  const width = 760;
  const rowH = 26;
  const labelW = 280;
  const barMax = width - labelW - 120;
  const value = (t: ReportTopRow) => Number(r.metric === 'units' ? t.units : t.revenueCents);
  const max = Math.max(1, ...r.top.map(value));
  const parts: string[] = [];
  let y = 34;
  parts.push(`<text x="16" y="${y}" font-size="18" font-weight="bold">${xml(`${r.report}: top ${r.top.length} by ${r.metric}, ${r.interval} ${r.label} (${r.zone})`)}</text>`);
  y += 16;
  if (r.top.length === 0) {
    y += rowH;
    parts.push(`<text x="16" y="${y}" font-size="13">No sales in this window.</text>`);
  }
  for (const t of r.top) {
    y += rowH;
    const w = Math.max(1, Math.round((value(t) / max) * barMax));
    const shown = r.metric === 'units' ? `${t.units} units` : money(t.revenueCents);
    parts.push(
      `<text x="16" y="${y}" font-size="13">${xml(`${t.rank}. ${t.name}`.slice(0, 40))}</text>`,
      `<rect x="${labelW}" y="${y - 14}" width="${w}" height="18" fill="#3b82f6"><title>${xml(`${t.productId}: ${shown}`)}</title></rect>`,
      `<text x="${labelW + w + 6}" y="${y}" font-size="12">${xml(shown)}</text>`,
    );
  }
  y += rowH + 8;
  parts.push(`<text x="16" y="${y}" font-size="15" font-weight="bold">Movers of the period</text>`);
  if (r.movers.length === 0) {
    y += rowH;
    parts.push(`<text x="16" y="${y}" font-size="13">None.</text>`);
  }
  for (const m of r.movers) {
    y += rowH;
    const factor = m.peakFactor === null ? 'new' : m.direction === 'up' ? `${m.peakFactor.toFixed(1)}× usual` : `${(1 / m.peakFactor).toFixed(1)}× below usual`;
    parts.push(
      `<text x="16" y="${y}" font-size="13" fill="${m.direction === 'up' ? '#15803d' : '#b91c1c'}">${xml(`${m.direction === 'up' ? '▲' : '▼'} ${m.name}`.slice(0, 40))}</text>`,
      `<text x="${labelW}" y="${y}" font-size="12">${xml(`${factor}, ${m.units} units since ${m.since.toISOString().slice(0, 16)}Z`)}</text>`,
    );
  }
  const height = y + 20;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="#ffffff"/>\n${parts.join('\n')}\n</svg>\n`;
}
