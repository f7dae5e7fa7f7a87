import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { STORED_CHANNELS } from '@hitboard/schema';
import { RAW_COLUMNS } from './columns';
import { rawFilePath } from './paths';
import { RawFileWriter, type RawCell, type StagingThread } from './raw-file-writer';

/**
 * Two writers of the same flush range at once: a replaying owner and a zombie that has not noticed
 * it lost the partition. In containers both are often pid 1, so the temporary name must not rest on
 * the pid (two writers here share this process's pid, which is the same situation).
 */
describe('RawFileWriter', () => {
  let lakeDir: string;
  beforeEach(() => (lakeDir = mkdtempSync(join(tmpdir(), 'agg-writer-'))));
  afterEach(() => rmSync(lakeDir, { recursive: true, force: true }));

  const cells: RawCell[] = Array.from({ length: 2000 }, (_, i) => ({
    minuteStartMs: Date.UTC(2026, 10, 22, 7, i % 60),
    productId: `p-${String(i).padStart(5, '0')}`,
    channel: STORED_CHANNELS[i % STORED_CHANNELS.length],
    units: 1 + (i % 7),
    revenueCents: 100 * i,
    orders: 1,
  })).sort((a, b) => a.minuteStartMs - b.minuteStartMs || (a.productId < b.productId ? -1 : 1));

  // 'worker': the aggregator's writer stages in a worker thread; the file must be the same.
  it.each<StagingThread>(['thread', 'worker'])('lets two writers of the same range (same pid) both succeed, leaving one whole file (staged in the %s)', async (stagingThread) => {
    const a = await RawFileWriter.create(lakeDir, { stagingThread });
    const b = await RawFileWriter.create(lakeDir, { stagingThread });
    const path = rawFilePath(Date.UTC(2026, 10, 22, 7), 3, 100, 250);
    try {
      for (let round = 0; round < 5; round++) {
        const [fa, fb] = await Promise.all([a.write(path, cells), b.write(path, cells)]);
        expect(fa).toEqual(fb);
        expect(fa).toEqual({ path: 'raw/date=2026-11-22/hour=07/p3-100-250.parquet', rows: 2000 });
      }
      expect(readdirSync(join(lakeDir, '_tmp'))).toEqual([]);
      const instance = await DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      const rows = await connection.runAndReadAll(
        `SELECT count(*)::INT AS n, sum(revenue_cents)::BIGINT AS revenue FROM read_parquet('${join(lakeDir, 'raw/date=2026-11-22/hour=07/p3-100-250.parquet')}')`,
      );
      expect(rows.getRowObjectsJS()).toEqual([{ n: 2000, revenue: BigInt(cells.reduce((s, c) => s + Number(c.revenueCents), 0)) }]);
      // The file has the lake's one column schema (names, order and types), whatever the writer stages in.
      const schema = await connection.runAndReadAll(
        `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${join(lakeDir, 'raw/date=2026-11-22/hour=07/p3-100-250.parquet')}', hive_partitioning = false))`,
      );
      expect(schema.getRowObjectsJS()).toEqual(RAW_COLUMNS.map((c) => ({ column_name: c.name, column_type: c.duckdbType })));
      const first = await connection.runAndReadAll(
        `SELECT epoch_ms(minute_start) AS minute_ms, product_id, units, revenue_cents, orders, channel FROM read_parquet('${join(lakeDir, 'raw/date=2026-11-22/hour=07/p3-100-250.parquet')}') LIMIT 1`,
      );
      const c0 = cells[0]!;
      expect(first.getRowObjectsJS()).toEqual([
        { minute_ms: BigInt(c0.minuteStartMs), product_id: c0.productId, units: BigInt(c0.units), revenue_cents: BigInt(c0.revenueCents), orders: BigInt(c0.orders), channel: c0.channel },
      ]);
      connection.closeSync();
      instance.closeSync();
    } finally {
      a.close();
      b.close();
    }
  });

  // Issue 28: a write waiting for the one before it holds no columns (nor, in the worker, a clone of
  // them): its rows are read only once the write before it has staged its file.
  it.each<StagingThread>(['thread', 'worker'])('reads a write\'s rows only once the write before it is staged (staged in the %s)', async (stagingThread) => {
    const writer = await RawFileWriter.create(lakeDir, { stagingThread });
    const hour = Date.UTC(2026, 10, 22, 7);
    const firstStaged = (): boolean =>
      readdirSync(join(lakeDir, '_tmp')).some((f) => f.startsWith('p1-0-1.')) || readdirSync(join(lakeDir, 'raw/date=2026-11-22/hour=07'), { withFileTypes: true }).length > 0;
    let firstStagedWhenRead: boolean | null = null;
    const second = new Proxy(cells, {
      get(target, key, receiver) {
        if (key === 'length' && firstStagedWhenRead === null) firstStagedWhenRead = safe(firstStaged);
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    try {
      await Promise.all([writer.write(rawFilePath(hour, 1, 0, 1), cells), writer.write(rawFilePath(hour, 2, 0, 1), second)]);
      expect(firstStagedWhenRead).toBe(true);
    } finally {
      writer.close();
    }
  });

  // The aggregator's staging runs under its memory budget's share (issue 28). A temporary table past
  // DuckDB's memory_limit fails rather than spills: the write fails, and the worker, which stages one
  // file at a time, goes on with the next.
  it('stages under a memory_limit, one file at a time: a write past it fails, the next ones still succeed', async () => {
    const writer = await RawFileWriter.create(lakeDir, { stagingThread: 'worker', memoryLimitBytes: 4 * 2 ** 20 });
    try {
      const big: RawCell[] = Array.from({ length: 400_000 }, (_, i) => ({ minuteStartMs: Date.UTC(2026, 10, 22, 7), productId: `product-${String(i).padStart(12, '0')}`, units: 1, revenueCents: i, orders: 1 }));
      const hour = Date.UTC(2026, 10, 22, 7);
      const results = await Promise.allSettled([writer.write(rawFilePath(hour, 1, 0, 1), big), writer.write(rawFilePath(hour, 2, 0, 1), cells), writer.write(rawFilePath(hour, 3, 0, 1), cells)]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
      expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/Out of Memory/);
    } finally {
      writer.close();
    }
  });
});

function safe(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false; // a folder not made yet: nothing staged
  }
}
