/**
 * The raw lake's Parquet columns, in file order: one row per (UTC minute, product) of one flush,
 * sorted by (minute_start, product_id). Amounts are integer cents; counts are integers.
 * Every writer (the aggregator) and reader (rollups, verify, import checks) uses this one list.
 */
export const RAW_COLUMNS = [
  { name: 'minute_start', duckdbType: 'TIMESTAMP' }, // UTC, truncated to the minute
  { name: 'product_id', duckdbType: 'VARCHAR' },
  { name: 'units', duckdbType: 'BIGINT' },
  { name: 'revenue_cents', duckdbType: 'BIGINT' },
  { name: 'orders', duckdbType: 'BIGINT' },
] as const;

export type RawColumn = (typeof RAW_COLUMNS)[number]['name'];

/** `minute_start, product_id, …`: the select list that reads every raw column by name. */
export const RAW_COLUMN_LIST = RAW_COLUMNS.map((c) => c.name).join(', ');

/** A SQL string literal for DuckDB (file paths in `read_parquet([...])` and `COPY … TO`). */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
