import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import type { SaleEvent } from '@hitboard/schema';
import { spikeRecord, spikesPathOf, type Spike, type SpikeRecord } from './spikes';

/** The ground truth's columns, as DuckDB reads an NDJSON truth file (verify uses the same list). */
export const TRUTH_JSON_COLUMNS =
  "{event_id: 'VARCHAR', order_id: 'VARCHAR', product_id: 'VARCHAR', quantity: 'BIGINT', unit_price_cents: 'BIGINT', currency: 'VARCHAR', occurred_at: 'VARCHAR', store_id: 'VARCHAR', user_id: 'VARCHAR', channel: 'VARCHAR', lat: 'DOUBLE', lon: 'DOUBLE'}";

const sql = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Writes the valid, distinct events the generator sent (the ground truth verify compares against).
 * NDJSON is appended batch by batch and fsynced, so it survives a crash and a resumed run just
 * appends (a chunk re-sent after a crash may appear twice: readers dedupe by event_id). A
 * `.parquet` target is written as NDJSON beside it and converted by DuckDB on close.
 *
 * Spikes (`--spike`) are recorded beside it in `<truth>.spikes.ndjson` (see `spikesPathOf`), one
 * `SpikeRecord` per spike, written with the batch holding its first extra sale (once, across resumed runs).
 */
export class GroundTruthWriter {
  private readonly fd: number;
  private readonly ndjsonPath: string;
  private written = 0;
  readonly spikesPath: string;
  private readonly spikesRecorded: Set<string>;

  constructor(readonly path: string) {
    this.ndjsonPath = path.endsWith('.parquet') ? `${path}.ndjson.tmp` : path;
    this.fd = openSync(this.ndjsonPath, path.endsWith('.parquet') ? 'w' : 'a');
    this.spikesPath = spikesPathOf(path);
    if (path.endsWith('.parquet')) rmSync(this.spikesPath, { force: true });
    this.spikesRecorded = new Set(readSpikeRecords(this.spikesPath).map((r) => spikeKey(r.product_id, Date.parse(r.start))));
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

  /** Records the spikes of these events not recorded yet (the first of their events is the spike's first sale). */
  appendSpikes(events: ReadonlyArray<{ spike?: Spike; event: SaleEvent }>): void {
    const lines: SpikeRecord[] = [];
    for (const { spike, event } of events) {
      if (!spike) continue;
      const key = spikeKey(spike.productId, spike.startMs);
      const first = lines.find((l) => spikeKey(l.product_id, Date.parse(l.start)) === key);
      if (first) {
        if (event.occurred_at < first.first_sale_at) first.first_sale_at = event.occurred_at;
        continue;
      }
      if (this.spikesRecorded.has(key)) continue;
      lines.push(spikeRecord(spike, Date.parse(event.occurred_at)));
    }
    if (lines.length === 0) return;
    const fd = openSync(this.spikesPath, 'a');
    try {
      writeSync(fd, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    for (const l of lines) this.spikesRecorded.add(spikeKey(l.product_id, Date.parse(l.start)));
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

const spikeKey = (productId: string, startMs: number) => `${productId}@${startMs}`;

/** The spikes a ground truth records (empty when it has none). */
export function readSpikeRecords(spikesPath: string): SpikeRecord[] {
  if (!existsSync(spikesPath)) return [];
  return readFileSync(spikesPath, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as SpikeRecord);
}
