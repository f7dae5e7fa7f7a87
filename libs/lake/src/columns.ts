import { CHANNEL_UNKNOWN } from '@hitboard/schema';

/**
 * The raw lake's Parquet columns, in file order: one row per (UTC minute, product, channel) of one flush,
 * sorted by (minute_start, product_id, channel). Amounts are integer cents; counts are integers.
 * Every writer (the aggregator) and reader (rollups, verify, import checks) uses this one list.
 *
 * `channel` came with issue 27: files written before it have no such column and are never rewritten.
 * Read raw files through `rawRowsSql`, which gives those rows the channel `unknown`.
 */
export const RAW_COLUMNS = [
  { name: 'minute_start', duckdbType: 'TIMESTAMP' }, // UTC, truncated to the minute
  { name: 'product_id', duckdbType: 'VARCHAR' },
  { name: 'units', duckdbType: 'BIGINT' },
  { name: 'revenue_cents', duckdbType: 'BIGINT' },
  { name: 'orders', duckdbType: 'BIGINT' },
  { name: 'channel', duckdbType: 'VARCHAR' }, // a stored channel (libs/schema STORED_CHANNELS)
] as const;

export type RawColumn = (typeof RAW_COLUMNS)[number]['name'];

/** `minute_start, product_id, …`: the select list that reads every raw column by name. */
export const RAW_COLUMN_LIST = RAW_COLUMNS.map((c) => c.name).join(', ');

/**
 * A DuckDB relation over raw lake files (absolute local paths) with every raw column, old and new files
 * alike: `channel` is the file's, or `unknown` for a file written before the column existed.
 * `union_by_name` lines the files' columns up by name (a missing column reads NULL); the empty
 * `UNION ALL BY NAME` branch declares `channel` for the case where NO listed file has it (union_by_name
 * alone then has no such column, and the coalesce would not bind).
 * Use as `SELECT … FROM ${rawRowsSql(paths)} GROUP BY …`.
 */
export function rawRowsSql(paths: readonly string[]): string {
  if (paths.length === 0) throw new Error('rawRowsSql needs at least one file');
  const files = `read_parquet([${paths.map(sqlString).join(', ')}], hive_partitioning = false, union_by_name = true)`;
  return `(SELECT minute_start, product_id, units, revenue_cents, orders, coalesce(channel, ${sqlString(CHANNEL_UNKNOWN)}) AS channel
             FROM (FROM ${files} UNION ALL BY NAME (SELECT NULL::VARCHAR AS channel WHERE false)))`;
}

/** A SQL string literal for DuckDB (file paths in `read_parquet([...])` and `COPY … TO`). */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
