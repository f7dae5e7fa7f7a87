import type { Knex } from 'knex';
import { DuckDBInstance } from '@duckdb/node-api';
import { TABLES } from '@hitboard/schema';
import { sqlString } from './columns';
import { asLakeStore, type LakeStore } from './store';

export interface HourProductSums {
  hourMs: number;
  productId: string;
  units: bigint;
  revenueCents: bigint;
  orders: bigint;
}

/**
 * The lake's truth: per (UTC hour, product), the sums over ONLY the files listed in the ledger
 * (`ingest_files`) — exactly what the batch layer reads. Used by the fault tests and the verify
 * command to compare the lake against the produced events. Keyed `${hourMs}|${productId}`. `lake`: a
 * store (local or S3), or a folder path.
 */
export async function readLakeSums(knex: Knex, lake: string | LakeStore, where: { partition?: number } = {}): Promise<Map<string, HourProductSums>> {
  let query = knex(TABLES.ingestFiles).select<{ path: string }[]>('path');
  if (where.partition !== undefined) query = query.where({ partition: where.partition });
  const keys = (await query).map((r) => r.path);
  const result = new Map<string, HourProductSums>();
  if (keys.length === 0) return result;
  return asLakeStore(lake).withLocalFiles(keys, (paths) => sumFiles(paths, result));
}

async function sumFiles(paths: string[], result: Map<string, HourProductSums>): Promise<Map<string, HourProductSums>> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const list = paths.map(sqlString).join(', ');
    const reader = await connection.runAndReadAll(
      `SELECT epoch_ms(date_trunc('hour', minute_start)) AS hour_ms, product_id,
              sum(units)::BIGINT AS units, sum(revenue_cents)::BIGINT AS revenue_cents, sum(orders)::BIGINT AS orders
         FROM read_parquet([${list}], hive_partitioning = false)
        GROUP BY ALL`,
    );
    for (const row of reader.getRowObjectsJS()) {
      const hourMs = Number(row['hour_ms']);
      const productId = String(row['product_id']);
      result.set(`${hourMs}|${productId}`, {
        hourMs,
        productId,
        units: BigInt(row['units'] as bigint),
        revenueCents: BigInt(row['revenue_cents'] as bigint),
        orders: BigInt(row['orders'] as bigint),
      });
    }
    return result;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
