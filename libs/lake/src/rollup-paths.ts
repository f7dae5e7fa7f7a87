/**
 * Where the batch layer keeps each window's full rollup (every product of the window), relative to
 * the lake root: `rollup/{interval}/{YYYY-MM-DD}/{interval}-{startUtc}.parquet`, e.g.
 * `rollup/hour/2026-01-01/hour-2026-01-01T05-30-00Z.parquet`. Named by the window's UTC start, so
 * one window is one file whatever the reporting zone (a rebuild renames over it), and the date folder
 * keeps directories small (an hour folder holds ≤ 48 files in any zone).
 */
export function rollupFilePath(interval: string, windowStartMs: number): string {
  if (!/^[a-z0-9_-]+$/i.test(interval)) throw new Error(`interval name ${JSON.stringify(interval)} is not usable in a path`);
  const iso = new Date(windowStartMs).toISOString(); // 2026-01-01T05:30:00.000Z
  const stamp = `${iso.slice(0, 10)}T${iso.slice(11, 19).replace(/:/g, '-')}Z`;
  return `rollup/${interval}/${iso.slice(0, 10)}/${interval}-${stamp}.parquet`;
}

/**
 * A window's full rollup columns, in file order: one row per (product, channel), sorted by product_id
 * (byte order), then channel. Amounts are integer cents; `category` comes from the catalog
 * (`products`), '' for a product it does not know. Rollup files written before issue 27 have no
 * `channel` column (one row per product): read them with `channelledParquet`, as channel 'unknown'.
 */
export const ROLLUP_COLUMNS = [
  { name: 'product_id', duckdbType: 'VARCHAR' },
  { name: 'channel', duckdbType: 'VARCHAR' },
  { name: 'category', duckdbType: 'VARCHAR' },
  { name: 'units', duckdbType: 'BIGINT' },
  { name: 'revenue_cents', duckdbType: 'BIGINT' },
  { name: 'orders', duckdbType: 'BIGINT' },
] as const;

export const ROLLUP_COLUMN_LIST = ROLLUP_COLUMNS.map((c) => c.name).join(', ');

