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
 * Lake Parquet files (raw or rollup, of either shape) as one relation that always has a `channel`
 * column: a file written before the lake kept one reads as CHANNEL_UNKNOWN (files are never rewritten).
 * `union_by_name` lines up files with and without the column; the empty typed relation in front gives
 * the column even when no file has it (DuckDB would not bind `channel` then). Other columns are read
 * only as the query uses them (projection reaches the Parquet scan through the union).
 */
export function channelledParquet(localPaths: readonly string[]): string {
  return `(SELECT * REPLACE (coalesce(channel, ${sqlString(CHANNEL_UNKNOWN)}) AS channel)
             FROM (FROM (SELECT NULL::VARCHAR AS channel WHERE false)
                   UNION ALL BY NAME
                   FROM read_parquet([${localPaths.map(sqlString).join(', ')}], hive_partitioning = false, union_by_name = true)))`;
}

/** Raw lake files (absolute local paths), old and new alike, with every raw column. Use as `SELECT … FROM ${rawRowsSql(paths)} GROUP BY …`. */
export function rawRowsSql(paths: readonly string[]): string {
  if (paths.length === 0) throw new Error('rawRowsSql needs at least one file');
  return `(SELECT ${RAW_COLUMN_LIST} FROM ${channelledParquet(paths)})`;
}

/** A SQL string literal for DuckDB (file paths in `read_parquet([...])` and `COPY … TO`). */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
