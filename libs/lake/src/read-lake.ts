import type { Knex } from 'knex';
import { DuckDBInstance } from '@duckdb/node-api';
import { TABLES, type StoredChannel } from '@hitboard/schema';
import { rawRowsSql } from './columns';
import { asLakeStore, type LakeStore } from './store';

export interface HourProductSums {
  hourMs: number;
  productId: string;
  units: bigint;
  revenueCents: bigint;
  orders: bigint;
}

/** The sums of one product in one UTC hour and one channel. */
export interface HourProductChannelSums extends HourProductSums {
  channel: StoredChannel;
}

/**
 * The lake's truth: per (UTC hour, product), the sums over ONLY the files listed in the ledger
 * (`ingest_files`) — exactly what the batch layer reads. Used by the fault tests and the verify
 * command to compare the lake against the produced events. Keyed `${hourMs}|${productId}`. `lake`: a
 * store (local or S3), or a folder path.
 */
export async function readLakeSums(knex: Knex, lake: string | LakeStore, where: { partition?: number } = {}): Promise<Map<string, HourProductSums>> {
  const result = new Map<string, HourProductSums>();
  for (const row of await readLakeRows(knex, lake, where, false)) result.set(`${row.hourMs}|${row.productId}`, row);
  return result;
}

/**
 * `readLakeSums` per channel as well: per (UTC hour, product, channel), keyed `${hourMs}|${productId}|${channel}`.
 * Rows of files written before the lake kept channels read as channel `unknown`. Over the channels of
 * an (hour, product), the sums are `readLakeSums`' figure for it.
 */
export async function readLakeChannelSums(knex: Knex, lake: string | LakeStore, where: { partition?: number } = {}): Promise<Map<string, HourProductChannelSums>> {
  const result = new Map<string, HourProductChannelSums>();
  for (const row of await readLakeRows(knex, lake, where, true)) {
    const channel = row.channel as StoredChannel; // grouped by channel: always set
    result.set(`${row.hourMs}|${row.productId}|${channel}`, { ...row, channel });
  }
  return result;
}

/** Rows per (hour, product), and per channel too when `byChannel` (else `channel` is absent). */
type LakeRow = HourProductSums & { channel?: StoredChannel };

async function readLakeRows(knex: Knex, lake: string | LakeStore, where: { partition?: number }, byChannel: boolean): Promise<LakeRow[]> {
  let query = knex(TABLES.ingestFiles).select<{ path: string }[]>('path');
  if (where.partition !== undefined) query = query.where({ partition: where.partition });
  const keys = (await query).map((r) => r.path);
  if (keys.length === 0) return [];
  return asLakeStore(lake).withLocalFiles(keys, (paths) => sumFiles(paths, byChannel));
}

async function sumFiles(paths: string[], byChannel: boolean): Promise<LakeRow[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    // Overall: the channel is summed away (one row per hour and product), every file counted, old or new.
    const reader = await connection.runAndReadAll(
      `SELECT epoch_ms(date_trunc('hour', minute_start)) AS hour_ms, product_id${byChannel ? ', channel' : ''},
              sum(units)::BIGINT AS units, sum(revenue_cents)::BIGINT AS revenue_cents, sum(orders)::BIGINT AS orders
         FROM ${rawRowsSql(paths)}
        GROUP BY ALL`,
    );
    return reader.getRowObjectsJS().map((row) => ({
      hourMs: Number(row['hour_ms']),
      productId: String(row['product_id']),
      ...(byChannel ? { channel: String(row['channel']) as StoredChannel } : {}),
      units: BigInt(row['units'] as bigint),
      revenueCents: BigInt(row['revenue_cents'] as bigint),
      orders: BigInt(row['orders'] as bigint),
    }));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
