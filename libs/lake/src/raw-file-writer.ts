import { randomBytes } from 'node:crypto';
import { mkdir, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { sqlString } from './columns';
import { tmpDir } from './paths';

/** One raw lake row: the sums of one product in one UTC minute. */
export interface RawCell {
  minuteStartMs: number;
  productId: string;
  units: bigint | number;
  revenueCents: bigint | number;
  orders: bigint | number;
}

/**
 * Writes raw cells as one Parquet file at `relPath` (under `lakeDir`) in the lake's raw column
 * schema, through `_tmp/` and a rename. For tools that load the lake without Kafka (import, tests,
 * benchmarks); the aggregator has its own long-lived writer. The caller lists the file in the ledger.
 */
export async function writeRawParquet(lakeDir: string, relPath: string, cells: readonly RawCell[]): Promise<void> {
  await mkdir(tmpDir(lakeDir), { recursive: true });
  await mkdir(dirname(join(lakeDir, relPath)), { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  try {
    await connection.run(`CREATE TABLE cells (minute_ms BIGINT, product_id VARCHAR, units BIGINT, revenue_cents BIGINT, orders BIGINT)`);
    const appender = await connection.createAppender('cells');
    try {
      for (const c of cells) {
        appender.appendBigInt(BigInt(c.minuteStartMs));
        appender.appendVarchar(c.productId);
        appender.appendBigInt(BigInt(c.units));
        appender.appendBigInt(BigInt(c.revenueCents));
        appender.appendBigInt(BigInt(c.orders));
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    const tmp = join(tmpDir(lakeDir), `raw-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
    await connection.run(
      `COPY (SELECT make_timestamp(minute_ms * 1000) AS minute_start, product_id, units, revenue_cents, orders
               FROM cells ORDER BY minute_ms, product_id)
         TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`,
    );
    await rename(tmp, join(lakeDir, relPath));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
