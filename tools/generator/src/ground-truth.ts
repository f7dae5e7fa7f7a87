import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import type { SaleEvent } from '@hitboard/schema';

/** The ground truth's columns, as DuckDB reads an NDJSON truth file (verify uses the same list). */
export const TRUTH_JSON_COLUMNS =
  "{event_id: 'VARCHAR', order_id: 'VARCHAR', product_id: 'VARCHAR', quantity: 'BIGINT', unit_price_cents: 'BIGINT', currency: 'VARCHAR', occurred_at: 'VARCHAR', store_id: 'VARCHAR', user_id: 'VARCHAR', channel: 'VARCHAR', lat: 'DOUBLE', lon: 'DOUBLE'}";

const sql = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Writes the valid, distinct events the generator sent (the ground truth verify compares against).
 * NDJSON is appended batch by batch and fsynced, so it survives a crash and a resumed run just
 * appends (a chunk re-sent after a crash may appear twice: readers dedupe by event_id). A
 * `.parquet` target is written as NDJSON beside it and converted by DuckDB on close.
 */
export class GroundTruthWriter {
  private readonly fd: number;
  private readonly ndjsonPath: string;
  private written = 0;

  constructor(readonly path: string) {
    this.ndjsonPath = path.endsWith('.parquet') ? `${path}.ndjson.tmp` : path;
    this.fd = openSync(this.ndjsonPath, path.endsWith('.parquet') ? 'w' : 'a');
  }

  get count(): number {
    return this.written;
  }

  append(events: readonly SaleEvent[]): void {
    if (events.length === 0) return;
    writeSync(this.fd, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    fsyncSync(this.fd);
    this.written += events.length;
  }

  async close(): Promise<void> {
    closeSync(this.fd);
    if (this.ndjsonPath === this.path) return;
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const tmp = `${this.path}.tmp`;
      await connection.run(
        `COPY (SELECT * FROM read_json(${sql(this.ndjsonPath)}, format = 'newline_delimited', columns = ${TRUTH_JSON_COLUMNS}))
           TO ${sql(tmp)} (FORMAT parquet, COMPRESSION zstd)`,
      );
      renameSync(tmp, this.path);
      rmSync(this.ndjsonPath, { force: true });
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }
}
