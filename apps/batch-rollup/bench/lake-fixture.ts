import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Knex } from 'knex';
import { DuckDBInstance } from '@duckdb/node-api';
import { rawFilePath, sqlString } from '@hitboard/lake';
import { TABLES, TOPICS } from '@hitboard/schema';

export interface LakeFixture {
  products: number;
  startMs: number;
  days: number;
  partitions: number;
  cellsPerFile: number;
  /** Only the first `hours` hours of the days (a profile of one hour need not write a day). */
  hours?: number;
  /** Leave out these day indexes (gaps). */
  skipDays?: readonly number[];
  /** Write the `channel` column (web, app, store, marketplace by hash) as the aggregator does since issue 27; without it, files of the older shape. */
  channels?: boolean;
}

/**
 * Fills a lake and its ledger the way the aggregator would: per UTC hour and partition one raw
 * Parquet file (written by DuckDB straight from SQL; Zipf-ish products, low ids sell most), the
 * catalog (10 categories), ledger rows, and a watermark one day past the data.
 * Returns the files per UTC hour (relative paths).
 */
export async function fillLake(knex: Knex, lakeDir: string, f: LakeFixture): Promise<Map<number, string[]>> {
  const H = 3_600_000;
  await knex.batchInsert(
    TABLES.products,
    Array.from({ length: f.products }, (_, i) => ({ product_id: `p-${String(i).padStart(6, '0')}`, name: `Product ${i}`, category: `cat-${i % 10}` })),
    1000,
  );
  const duck = await DuckDBInstance.create(':memory:', { threads: '2' });
  const c = await duck.connect();
  const filesByHour = new Map<number, string[]>();
  const files: Array<Record<string, unknown>> = [];
  const flushes: Array<Record<string, unknown>> = [];
  let offset = 0;
  const channel = (at: number) => (f.channels ? `, ['web', 'app', 'store', 'marketplace'][(1 + hash(i, ${at}, 3) % 4)::BIGINT] AS channel` : '');
  try {
    for (let h = f.startMs; h < f.startMs + (f.hours ?? f.days * 24) * H; h += H) {
      if (f.skipDays?.includes(Math.floor((h - f.startMs) / (24 * H)))) continue;
      for (let p = 0; p < f.partitions; p++) {
        const last = offset + f.cellsPerFile - 1;
        const path = rawFilePath(h, p, offset, last);
        await mkdir(dirname(join(lakeDir, path)), { recursive: true });
        await c.run(
          `COPY (SELECT make_timestamp((${h} + (i % 60) * 60000)::BIGINT * 1000) AS minute_start,
                        'p-' || lpad(CAST(floor(${f.products} * pow(hash(i, ${offset}) % 1000000 / 1000000.0, 2)) AS BIGINT)::VARCHAR, 6, '0') AS product_id,
                        (1 + hash(i, ${offset}, 1) % 5)::BIGINT AS units, (100 + hash(i, ${offset}, 2) % 9900)::BIGINT AS revenue_cents, 1::BIGINT AS orders${channel(offset)}
                   FROM range(${f.cellsPerFile}) r(i) ORDER BY minute_start, product_id)
             TO ${sqlString(join(lakeDir, path))} (FORMAT parquet, COMPRESSION zstd)`,
        );
        const flushId = `${TOPICS.salesEvents}-${p}-${offset}`;
        flushes.push({ flush_id: flushId, topic: TOPICS.salesEvents, partition: p, first_offset: offset, last_offset: last, status: 'committed' });
        files.push({ path, flush_id: flushId, partition: p, first_offset: offset, last_offset: last, hour: new Date(h), rows: f.cellsPerFile });
        filesByHour.set(h, [...(filesByHour.get(h) ?? []), path]);
        offset = last + 1;
      }
    }
  } finally {
    c.closeSync();
    duck.closeSync();
  }
  await knex.batchInsert(TABLES.ingestFlushes, flushes, 1000);
  await knex.batchInsert(TABLES.ingestFiles, files, 1000);
  await knex.raw(
    `INSERT INTO ?? (topic, partition, next_offset, watermark) VALUES (?, 0, ?, ?)
     ON CONFLICT (topic, partition) DO UPDATE SET watermark = EXCLUDED.watermark, next_offset = EXCLUDED.next_offset`,
    [TABLES.ingestOffsets, TOPICS.salesEvents, offset, new Date(f.startMs + (f.days + 1) * 24 * H)],
  );
  return filesByHour;
}
