import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DOUBLE, DuckDBDataChunk, DuckDBInstance, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import type { Cell } from '../buffer/partition-buffer';
import { Mutex } from '../mutex';
import { asLakeStore, hourStartMs, rawFilePath, tmpPrefix, type LakeStore } from '@hitboard/lake';

/** A DuckDB data chunk holds at most this many rows (its standard vector size). */
const CHUNK_ROWS = 2048;
const FLUSH_ROW_TYPES = [DOUBLE, DOUBLE, VARCHAR, DOUBLE, DOUBLE, DOUBLE];

/** One Parquet file a flush wrote. `path` is relative to the lake root. */
export interface WrittenFile {
  path: string;
  hourMs: number;
  rows: number;
}

/**
 * Writes a flush's cells as one Parquet file per UTC hour (DuckDB, zstd). Columns:
 * `minute_start TIMESTAMP` (UTC), `product_id VARCHAR`, `units BIGINT`, `revenue_cents BIGINT`,
 * `orders BIGINT`, sorted by (minute_start, product_id).
 *
 * Each file is staged in the store's staging folder, then `put` under its key in the lake (a folder: fsync +
 * rename; S3: one PUT), so a reader never sees half a file; a replay of the same range replaces the same key.
 */
export class ParquetWriter {
  private readonly lock = new Mutex();

  private constructor(
    readonly store: LakeStore,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async create(lake: string | LakeStore): Promise<ParquetWriter> {
    const store = asLakeStore(lake);
    await mkdir(store.stagingDir, { recursive: true });
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const connection = await instance.connect();
    // DOUBLE, not BIGINT: every value is an integer below 2^53 (the buffer cuts a cell before its cents
    // pass it), so doubles hold it exactly and skip a JS BigInt per value; COPY casts back to BIGINT.
    await connection.run(
      `CREATE TEMP TABLE flush_rows (hour_ms DOUBLE, minute_ms DOUBLE, product_id VARCHAR, units DOUBLE, revenue_cents DOUBLE, orders DOUBLE)`,
    );
    return new ParquetWriter(store, instance, connection);
  }

  write(partition: number, firstOffset: number, lastOffset: number, cells: readonly Cell[]): Promise<WrittenFile[]> {
    return this.lock.run(async () => {
      await this.connection.run('DELETE FROM flush_rows');
      const appender = await this.connection.createAppender('flush_rows');
      const rowsByHour = new Map<number, number>();
      try {
        // Column-wise chunks of up to CHUNK_ROWS: one native call per column per chunk instead of six per
        // row (measured 2.5x faster on 150k cells than per-row append* calls).
        for (let from = 0; from < cells.length; from += CHUNK_ROWS) {
          const part = cells.slice(from, from + CHUNK_ROWS);
          const hours = part.map((c) => hourStartMs(c.minuteStartMs));
          for (const hour of hours) rowsByHour.set(hour, (rowsByHour.get(hour) ?? 0) + 1);
          const chunk = DuckDBDataChunk.create(FLUSH_ROW_TYPES, part.length);
          chunk.setColumns([
            hours,
            part.map((c) => c.minuteStartMs),
            part.map((c) => c.productId),
            part.map((c) => c.units),
            part.map((c) => c.revenueCents),
            part.map((c) => c.orders),
          ]);
          appender.appendDataChunk(chunk);
        }
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
      const files: WrittenFile[] = [];
      for (const [hourMs, rows] of [...rowsByHour].sort((a, b) => a[0] - b[0])) {
        const path = rawFilePath(hourMs, partition, firstOffset, lastOffset);
        // Unique per write, not per process: a replaying owner and a zombie may write the same range at
        // once, and in containers both are often pid 1 — one shared name meant one writer truncating
        // the file the other was writing or renaming (then ENOENT, or a torn file renamed into raw/).
        const tmp = join(this.store.stagingDir, `p${partition}-${firstOffset}-${lastOffset}-h${hourMs}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
        await this.connection.run(
          `COPY (SELECT make_timestamp(minute_ms::BIGINT * 1000) AS minute_start, product_id,
                        units::BIGINT AS units, revenue_cents::BIGINT AS revenue_cents, orders::BIGINT AS orders
                   FROM flush_rows WHERE hour_ms = ${hourMs} ORDER BY minute_ms, product_id)
             TO '${tmp.replace(/'/g, "''")}' (FORMAT parquet, COMPRESSION zstd)`,
        );
        // Durable and whole under its final key before the ledger lists it (a folder: fsync + rename; S3: one PUT).
        await this.store.put(path, tmp);
        files.push({ path, hourMs, rows });
      }
      return files;
    });
  }

  /**
   * Deletes temporary files of `partition` left by a writer that died between COPY and rename.
   * Called when this instance takes the partition over (before it writes anything for it).
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
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
