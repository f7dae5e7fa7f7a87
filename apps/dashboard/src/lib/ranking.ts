import { csvText } from '@hitboard/schema';
import type { Movement, TopRow } from './types';

/** Rank movement against the previous window: absent there → new; a smaller rank now → up. */
export function movement(rankNow: number, rankBefore: number | null | undefined): Movement {
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

const CSV_COLUMNS = ['rank', 'product_id', 'name', 'category', 'units', 'revenue_cents', 'error_bound', 'share', 'movement'] as const;


export function movementLabel(m: Movement): string {
  switch (m.kind) {
    case 'new':
      return 'NEW';
    case 'up':
      return `▲ ${m.by}`;
    case 'down':
      return `▼ ${m.by}`;
    default:
      return '=';
  }
}

/** The ranked list as CSV (libs/schema's writer: RFC 4180, CRLF line ends, formulas defused; a header row). */
export function toCsv(rows: readonly TopRow[]): string {
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
      r.share === null ? '' : String(r.share),
      movementLabel(r.movement),
    ]);
  }
  return csvText(lines);
}
