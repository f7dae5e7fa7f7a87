import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { snapshotFile, sqlString } from '@hitboard/lake';
import { CHANNEL_ALL, CHANNEL_UNKNOWN, type ChannelFilter } from '@hitboard/schema';

/** Exact sums of one product in one window, from the ground truth. */
export interface TrueSums {
  units: bigint;
  revenue: bigint;
  orders: bigint;
}

export interface WindowTruth {
  byProduct: Map<string, TrueSums>;
  totals: TrueSums & { products: bigint };
}

// The columns verify needs; an NDJSON truth file is read with these types (extra fields are ignored).
const JSON_COLUMNS = "{event_id: 'VARCHAR', product_id: 'VARCHAR', quantity: 'BIGINT', unit_price_cents: 'BIGINT', occurred_at: 'VARCHAR', channel: 'VARCHAR'}";

/**
 * The generator's ground truth (valid, distinct sale events; NDJSON or Parquet) loaded into DuckDB
 * once and pre-summed per (UTC minute, product, channel) — the aggregator's own cell, and every window
 * in any zone is a whole number of minutes. An event without a channel (a truth file older than the
 * field) counts as channel `unknown`, as the lake reads its files of that time. Events repeated in the file (a chunk the generator re-sent
 * after a crash) are counted once, by event_id, as the aggregator counts them.
 */
export class GroundTruth {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    readonly events: bigint,
    readonly fromMs: number,
    readonly toMs: number,
  ) {}

  static async load(path: string): Promise<GroundTruth> {
    const parquet = /\.parquet$/i.test(path);
    // DuckDB reads a private copy: given the user's path it globbed `[ ] * ?` (truth[1].ndjson read
    // truth1.ndjson). A truth file the generator is still appending to is read up to its last whole line.
    const snapshot = await snapshotFile(path, parquet ? { name: 'truth.parquet' } : { name: 'truth.ndjson', whileGrowing: 'whole-lines' });
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const source = parquet
        ? `read_parquet(${sqlString(snapshot.path)})`
        : `read_json(${sqlString(snapshot.path)}, format = 'newline_delimited', columns = ${JSON_COLUMNS})`;
      // The empty BY NAME branch gives a Parquet truth without a `channel` column one (NULL: unknown).
      await connection.run(`
        CREATE TABLE truth_minutes AS
        SELECT (epoch_ms(occurred_at::TIMESTAMPTZ) // 60000) * 60000 AS minute_ms, product_id, coalesce(channel, ${sqlString(CHANNEL_UNKNOWN)}) AS channel,
               sum(quantity)::BIGINT AS units, sum(quantity * unit_price_cents)::BIGINT AS revenue, count(*)::BIGINT AS orders
          FROM (SELECT DISTINCT ON (event_id) event_id, product_id, quantity, unit_price_cents, occurred_at, channel
                  FROM (FROM ${source} UNION ALL BY NAME (SELECT NULL::VARCHAR AS channel WHERE false)))
         GROUP BY ALL`);
      const reader = await connection.runAndReadAll(
        'SELECT coalesce(sum(orders), 0)::BIGINT AS events, min(minute_ms)::BIGINT AS from_ms, (max(minute_ms) + 60000)::BIGINT AS to_ms FROM truth_minutes',
      );
      const row = reader.getRowObjectsJS()[0]!;
      const events = row['events'] as bigint;
      return new GroundTruth(instance, connection, events, Number(row['from_ms'] ?? 0), Number(row['to_ms'] ?? 0));
    } catch (err) {
      connection.closeSync();
      instance.closeSync();
      throw err;
    } finally {
      await snapshot.release();
    }
  }

  /** Exact per-product sums and totals over [startMs, endMs), of one channel or (default) all of them. */
  async window(startMs: number, endMs: number, channel: ChannelFilter = CHANNEL_ALL): Promise<WindowTruth> {
    const ofChannel = channel === CHANNEL_ALL ? '' : ` AND channel = ${sqlString(channel)}`;
    const reader = await this.connection.runAndReadAll(
      `SELECT product_id, sum(units)::BIGINT AS units, sum(revenue)::BIGINT AS revenue, sum(orders)::BIGINT AS orders
         FROM truth_minutes WHERE minute_ms >= ${Math.trunc(startMs)} AND minute_ms < ${Math.trunc(endMs)}${ofChannel} GROUP BY product_id`,
    );
    const byProduct = new Map<string, TrueSums>();
    const totals = { units: 0n, revenue: 0n, orders: 0n, products: 0n };
    for (const r of reader.getRowObjectsJS()) {
      const sums = { units: r['units'] as bigint, revenue: r['revenue'] as bigint, orders: r['orders'] as bigint };
      byProduct.set(String(r['product_id']), sums);
      totals.units += sums.units;
      totals.revenue += sums.revenue;
      totals.orders += sums.orders;
      totals.products += 1n;
    }
    return { byProduct, totals };
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
