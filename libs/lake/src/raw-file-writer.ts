import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DOUBLE, DuckDBDataChunk, DuckDBInstance, VARCHAR } from '@duckdb/node-api';
import { sqlString } from './columns';
import { tmpPrefix } from './paths';
import { asLakeStore, type LakeStore } from './store';

/** One raw lake row: the sums of one product in one UTC minute. Every value is an integer below 2^53. */
export interface RawCell {
  minuteStartMs: number;
  productId: string;
  units: bigint | number;
  revenueCents: bigint | number;
  orders: bigint | number;
}

/** A file the writer put in the lake. `path` is relative to the lake root (the form `ingest_files.path` holds). */
export interface WrittenRawFile {
  path: string;
  rows: number;
}

/** A DuckDB data chunk holds at most this many rows (its standard vector size). */
const CHUNK_ROWS = 2048;
const STAGED_TYPES = [DOUBLE, VARCHAR, DOUBLE, DOUBLE, DOUBLE];

/**
 * The lake's one raw Parquet writer (the aggregator's flushes, and tools, tests and benches that load the
 * lake without Kafka): "write these rows to this lake path". Columns are `RAW_COLUMNS` (columns.ts),
 * sorted by (minute_start, product_id), zstd. The caller lists the file in the ledger.
 *
 * Each file is staged in the store's staging folder under a name unique per write (a replaying owner and a
 * zombie may write the same range at once, and in containers both are often pid 1), then `put` under its
 * key (a folder: fsync + rename + fsync of the directory; S3: one PUT). A reader never sees half a file,
 * a replay replaces the same key, and the file is durable before the ledger lists it.
 */
export class RawFileWriter {
  private constructor(
    readonly store: LakeStore,
    private readonly instance: DuckDBInstance,
  ) {}

  /** `lake`: a store (openLakeStore), or a local lake folder. */
  static async create(lake: string | LakeStore): Promise<RawFileWriter> {
    const store = asLakeStore(lake);
    await mkdir(store.stagingDir, { recursive: true });
    return new RawFileWriter(store, await DuckDBInstance.create(':memory:', { threads: '1' }));
  }

  /** Writes `cells` (any order) as the Parquet file at `relPath` under the lake root. */
  async write(relPath: string, cells: readonly RawCell[]): Promise<WrittenRawFile> {
    // A connection per write, with its own temp table: writes of different partitions never share staged rows.
    const connection = await this.instance.connect();
    try {
      // DOUBLE, not BIGINT: every value is an integer below 2^53 (the aggregator cuts a cell before its cents
      // pass it), so doubles hold it exactly and skip a JS BigInt per value; COPY casts back to BIGINT.
      await connection.run(`CREATE TEMP TABLE staged (minute_ms DOUBLE, product_id VARCHAR, units DOUBLE, revenue_cents DOUBLE, orders DOUBLE)`);
      const appender = await connection.createAppender('staged');
      try {
        // Column-wise chunks: one native call per column per 2048 rows instead of five per row
        // (measured 2.5x faster on 150k cells than per-row append* calls).
        for (let from = 0; from < cells.length; from += CHUNK_ROWS) {
          const part = cells.slice(from, from + CHUNK_ROWS);
          const chunk = DuckDBDataChunk.create(STAGED_TYPES, part.length);
          chunk.setColumns([
            part.map((c) => c.minuteStartMs),
            part.map((c) => c.productId),
            part.map((c) => exact(c.units)),
            part.map((c) => exact(c.revenueCents)),
            part.map((c) => exact(c.orders)),
          ]);
          appender.appendDataChunk(chunk);
        }
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
      const tmp = join(this.store.stagingDir, `${basename(relPath, '.parquet')}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
      await connection.run(
        `COPY (SELECT make_timestamp(minute_ms::BIGINT * 1000) AS minute_start, product_id,
                      units::BIGINT AS units, revenue_cents::BIGINT AS revenue_cents, orders::BIGINT AS orders
                 FROM staged ORDER BY minute_ms, product_id)
           TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`,
      );
      await this.store.put(relPath, tmp); // consumes tmp, whether it succeeds or fails
      return { path: relPath, rows: cells.length };
    } finally {
      connection.closeSync();
    }
  }

  /**
   * Deletes temporary files of `partition` (flush files are named `p{partition}-…`) left by a writer that
   * died between COPY and rename. For the new owner of a partition, before it writes anything for it.
   */
  async removeOrphanTmpFiles(partition: number): Promise<string[]> {
    const dir = this.store.stagingDir;
    const removed: string[] = [];
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (name.startsWith(tmpPrefix(partition)) && name.endsWith('.tmp')) {
        await rm(join(dir, name), { force: true });
        removed.push(name);
      }
    }
    return removed;
  }

  close(): void {
    this.instance.closeSync();
  }
}

/** Writes one file with a writer of its own (tools, tests, benches); see `RawFileWriter.write`. */
export async function writeRawParquet(lake: string | LakeStore, relPath: string, cells: readonly RawCell[]): Promise<WrittenRawFile> {
  const writer = await RawFileWriter.create(lake);
  try {
    return await writer.write(relPath, cells);
  } finally {
    writer.close();
  }
}

function exact(value: bigint | number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`raw lake value ${String(value)} is not an integer below 2^53`);
  return n;
}
