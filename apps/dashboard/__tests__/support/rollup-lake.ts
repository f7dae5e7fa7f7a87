/**
 * Built windows as the batch layer leaves them for a range: the serving rows (seedBatchWindow: a
 * succeeded run, ranked rows, totals) AND the window's full rollup file in the lake
 * (`rollupFilePath`, ROLLUP_COLUMNS, sorted by product_id), written with DuckDB like the batch layer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Knex } from 'knex';
import { DuckDBInstance } from '@duckdb/node-api';
import { rollupFilePath, sqlString } from '@hitboard/lake';
import { ManualClock, useClock } from '@hitboard/runtime/clock';
import type { FreshDatabase } from '@hitboard/testkit';
import { resetDashboardContext } from '../../src/server/context';
import { dashboardDatabase } from './app';
import { seedBatchWindow, type Sale } from './seed';

export interface RangeWorld {
  readonly db: FreshDatabase;
  readonly lakeDir: string;
}

/**
 * A range spec's world, set up before all and undone after: the clock held at `nowMs`, a scratch local
 * lake, the dashboard's database over it (with `env`), filled by `seed`.
 */
export function useRangeWorld(o: { nowMs: number; env?: Record<string, string>; seed: (world: RangeWorld) => Promise<void> }): RangeWorld {
  let db: FreshDatabase;
  let lakeDir: string;
  let restoreClock: (() => void) | undefined;
  const world: RangeWorld = {
    get db() {
      return db;
    },
    get lakeDir() {
      return lakeDir;
    },
  };
  beforeAll(async () => {
    restoreClock = useClock(new ManualClock(o.nowMs));
    lakeDir = mkdtempSync(join(tmpdir(), 'hitboard-range-lake-'));
    db = await dashboardDatabase({ LAKE_DIR: lakeDir, ...o.env });
    await o.seed(world);
  }, 120_000);
  afterAll(async () => {
    await resetDashboardContext();
    await db?.drop();
    restoreClock?.();
    if (lakeDir) rmSync(lakeDir, { recursive: true, force: true });
  });
  return world;
}

export async function writeRollupFile(lakeDir: string, interval: string, windowStart: Date, sales: readonly Sale[], categoryOf: (id: string) => string): Promise<string> {
  const path = join(lakeDir, rollupFilePath(interval, windowStart.getTime()));
  await mkdir(dirname(path), { recursive: true });
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  try {
    const values = sales.length === 0
      ? `SELECT NULL::VARCHAR AS product_id, NULL::VARCHAR AS category, 0::BIGINT AS units, 0::BIGINT AS revenue_cents, 0::BIGINT AS orders WHERE false`
      : `SELECT * FROM (VALUES ${sales.map((s) => `(${sqlString(s.id)}, ${sqlString(categoryOf(s.id))}, ${s.units}::BIGINT, ${s.revenue}::BIGINT, ${s.orders ?? s.units}::BIGINT)`).join(', ')}) v(product_id, category, units, revenue_cents, orders)`;
    await c.run(`COPY (SELECT * FROM (${values}) ORDER BY product_id) TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd)`);
  } finally {
    c.closeSync();
    instance.closeSync();
  }
  return path;
}

/** A built window: its serving rows and run, and its rollup file. */
export async function seedBuiltWindow(
  knex: Knex,
  lakeDir: string,
  interval: string,
  windowStart: Date,
  sales: readonly Sale[],
  options: { categoryOf: (id: string) => string; finishedAt?: Date },
): Promise<void> {
  await writeRollupFile(lakeDir, interval, windowStart, sales, options.categoryOf);
  await seedBatchWindow(knex, interval, windowStart, sales, options);
}
