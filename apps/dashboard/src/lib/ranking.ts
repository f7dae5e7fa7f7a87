import { csvText } from '@hitboard/schema';
import type { Movement, TopRow } from './types';

/** Rank movement against the previous window: absent there → new; a smaller rank now → up; a previous window without data → none. */
export function movement(rankNow: number, rankBefore: number | null | undefined, previousHasData = true): Movement {
  if (!previousHasData) return { kind: 'none', by: null };
  if (rankBefore === null || rankBefore === undefined) return { kind: 'new', by: null };
  if (rankBefore > rankNow) return { kind: 'up', by: rankBefore - rankNow };
  if (rankBefore < rankNow) return { kind: 'down', by: rankNow - rankBefore };
  return { kind: 'same', by: 0 };
}

/** Share of the total as a plain number (a share is not money); null when the total is unknown or zero. */
export function share(value: bigint, total: bigint | null | undefined): number | null {
  if (total === null || total === undefined || total <= 0n) return null;
  // Twelve decimals computed in integers (value·10^12 / total < 2^53), so huge amounts lose nothing first.
  return Number((value * 1_000_000_000_000n) / total) / 1_000_000_000_000;
}

/** Trailing mean over the last `windows` points' known values (gaps are skipped, not read as zero). */
export function movingAverage(values: (bigint | null)[], windows: number): (number | null)[] {
  return values.map((_, i) => {
    const known = values.slice(Math.max(0, i - windows + 1), i + 1).filter((v): v is bigint => v !== null);
    if (known.length === 0) return null;
    const sum = known.reduce((a, b) => a + b, 0n);
    return Number(sum) / known.length;
  });
}

/**
 * A trend's moving average over closed windows only: a window still open holds a partial figure, which
 * would drag the average down at the end of the line; it gets no average and feeds none.
 */
export function closedMovingAverage(values: (bigint | null)[], open: boolean[], windows: number): (number | null)[] {
  const averages = movingAverage(
    values.map((v, i) => (open[i] ? null : v)),
    windows,
  );
  return averages.map((a, i) => (open[i] ? null : a));
}

/**
 * `source`: exact (batch) or estimate (speed, ± error_bound); `share_of`: what `share` divides by;
 * `movement`: new, up, down, same or none (no comparison); `previous_rank`: a number, empty when new or none.
 */
const CSV_COLUMNS = ['rank', 'product_id', 'name', 'category', 'units', 'revenue_cents', 'error_bound', 'source', 'share', 'share_of', 'movement', 'previous_rank'] as const;

/** The rank a row had in the previous window (from its movement), or null when it had none. */
export function previousRank(rank: number, m: Movement): number | null {
  if (m.kind === 'up') return rank + m.by;
  if (m.kind === 'down') return rank - m.by;
  if (m.kind === 'same') return rank;
  return null;
}

export function movementLabel(m: Movement): string {
  switch (m.kind) {
    case 'new':
      return 'NEW';
    case 'none':
      return '—';
    case 'up':
      return `▲ ${m.by}`;
    case 'down':
      return `▼ ${m.by}`;
    default:
      return '=';
  }
}

/** What the whole list is: its source (`exact` | `estimate`) and what its shares are of (e.g. `window total`). */
export interface CsvContext {
  source: string;
  shareOf: string;
}

/** The ranked list as CSV (libs/schema's writer: RFC 4180, CRLF line ends, formulas defused; a header row). */
export function toCsv(rows: readonly TopRow[], context: CsvContext = { source: '', shareOf: '' }): string {
  const lines: string[][] = [[...CSV_COLUMNS]];
  for (const r of rows) {
    lines.push([
      String(r.rank),
      r.productId,
      r.name,
      r.category,
      r.units,
      r.revenue,
      r.errorBound,
      context.source,
      r.share === null ? '' : String(r.share),
      r.share === null ? '' : context.shareOf,
      r.movement.kind,
      String(previousRank(r.rank, r.movement) ?? ''),
    ]);
  }
  return csvText(lines);
}

/** A ranked list as a CSV download: a byte-order mark first (without it Excel reads UTF-8 as its legacy code page and garbles names). */
export function csvResponse(rows: readonly TopRow[], context: CsvContext, fileName: string, cacheControl: string, source: string): Response {
  return new Response(`\uFEFF${toCsv(rows, context)}`, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${fileName}"`,
      'cache-control': cacheControl,
      'x-hitboard-source': source,
    },
  });
}
