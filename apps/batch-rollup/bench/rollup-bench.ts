/**
 * Benchmark (on demand): `TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx apps/batch-rollup/bench/rollup-bench.ts [--quick | --scale] [--json FILE]`
 * (or as one row group of `npm run bench`, which starts a Postgres for it).
 *
 * `--quick`: 3 days instead of 30 (same products, files per hour and rows per file). `--scale` (issue 28):
 * hours of 1M raw rows — 200,000 products, 4 files × 250,000 rows an hour, with the channel column — for
 * one day, median of 3. `--json FILE`: the figures as JSON for the driver (bench/run.ts), the same keys
 * in every form.
 *
 * Data: BENCH_PRODUCTS products in 10 categories (default 5000), BENCH_DAYS days (default 30) of
 * raw lake files, BENCH_PARTITIONS files per UTC hour (default 2), each file holding
 * BENCH_CELLS_PER_FILE (minute, product) rows (default 1500). All listed in a scratch database's ledger.
 *
 * Measured in the same run, against the floor — DuckDB's plain GROUP BY over the same files:
 * 1. a backfill of every day (its hours built first) vs a GROUP BY per hour and per day over the same raw files
 *    (first, on an empty database, so that the backfill builds every window the floor groups);
 * 2. one hourly rollup (runWindow: lock, Parquet, tops, Postgres transaction) vs one GROUP BY of the hour's files.
 * Prints the ratios; the target is ≤ 2× the floor.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import pino from 'pino';
import { sqlString } from '@hitboard/lake';
import { IntervalRegistry } from '@hitboard/time';
import { TABLES, TOPICS } from '@hitboard/schema';
import { freshDatabase } from '@hitboard/testkit';
import { planBackfillNow, runBackfill } from '../src/backfill';
import { RollupEngine } from '../src/rollup-engine';
import { runWindow, type TaskDeps } from '../src/rollup-task';
import { fillLake } from './lake-fixture';

const H = 3_600_000;
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scale: { type: 'boolean', default: false },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  process.stdout.write(
    'Usage: npx tsx apps/batch-rollup/bench/rollup-bench.ts [--quick | --scale] [--json FILE]\n\n' +
      'An hourly rollup and a backfill against DuckDB GROUP BY over the same lake files.\n' +
      '--scale: hours of 1M raw rows (200,000 products, 4 files × 250,000 rows, channels on), one day, median of 3.\n' +
      'Env: TEST_DATABASE_URL (admin URL; a scratch database is made), BENCH_PRODUCTS=5000, BENCH_DAYS=30 (3 with --quick),\n' +
      'BENCH_PARTITIONS=2, BENCH_CELLS_PER_FILE=1500, BENCH_REPEAT=5, BENCH_CHANNELS=0 (1: raw files with a channel column)\n' +
      '(with --scale the defaults are 200000, 1, 4, 250000, 3 and 1; the variables still override them)\n',
  );
  process.exit(0);
}
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
/** `--scale` (issue 28): a catalogue's hours, 1M raw rows each over 200k products, in the shape the aggregator writes now (with channels). */
const SCALE = args.scale;
const PRODUCTS = num('BENCH_PRODUCTS', SCALE ? 200_000 : 5000);
const DAYS = num('BENCH_DAYS', SCALE ? 1 : args.quick ? 3 : 30);
const PARTITIONS = num('BENCH_PARTITIONS', SCALE ? 4 : 2);
const CELLS = num('BENCH_CELLS_PER_FILE', SCALE ? 250_000 : 1500);
const REPEAT = num('BENCH_REPEAT', SCALE ? 3 : 5);
/** BENCH_CHANNELS=1: raw files carry the `channel` column (4 channels); else today's older shape (every row 'unknown'). On by default with --scale. */
const CHANNELS = (process.env['BENCH_CHANNELS'] ?? (SCALE ? '1' : '0')) === '1';
const START = Date.parse('2026-01-01T00:00:00Z');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const db = await freshDatabase();
  const lakeDir = mkdtempSync(join(tmpdir(), 'rollup-bench-'));
  const duck = await DuckDBInstance.create(':memory:', { threads: '2' }); // the floor's engine
  const c = await duck.connect();
  try {
    // --- the lake: files written with DuckDB straight from SQL, listed in the ledger ---
    const t = performance.now();
    const filesByHour = await fillLake(db.knex, lakeDir, { products: PRODUCTS, startMs: START, days: DAYS, partitions: PARTITIONS, cellsPerFile: CELLS, channels: CHANNELS });
    const files = [...filesByHour.values()].flat().length;
    console.log(`data: ${PRODUCTS} products in 10 categories, ${DAYS} days, ${files} raw files (${PARTITIONS}/hour), ${files * CELLS} raw rows (${CELLS}/file), ${CHANNELS ? 'with' : 'without'} a channel column; written in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const floorGroupBy = async (paths: string[]) => {
      const list = paths.map((p) => sqlString(join(lakeDir, p))).join(', ');
      const r = await c.runAndReadAll(
        `SELECT product_id, sum(units)::BIGINT AS u, sum(revenue_cents)::BIGINT AS r, sum(orders)::BIGINT AS o FROM read_parquet([${list}]) GROUP BY product_id`,
      );
      return r.getRowObjectsJS().length;
    };

    const registry = IntervalRegistry.standard('UTC');
    const engine = await RollupEngine.create(lakeDir, { threads: 2 });
    const deps: TaskDeps = { knex: db.knex, engine, registry, topic: TOPICS.salesEvents, allowedLatenessMs: 0, log: pino({ level: 'silent' }) };
    await engine.setCatalog((await db.knex(TABLES.products).select('product_id', 'category')).map((r) => ({ productId: r.product_id, category: r.category })));

    // --- 1. the backfill: every hour, then every day (first, so that it builds every window itself) ---
    let s = performance.now();
    for (const [, paths] of filesByHour) await floorGroupBy(paths);
    for (let d = 0; d < DAYS; d++) {
      const paths: string[] = [];
      for (let h = 0; h < 24; h++) paths.push(...filesByHour.get(START + (d * 24 + h) * H)!);
      await floorGroupBy(paths);
    }
    const floorBackfill = performance.now() - s;
    s = performance.now();
    const plan = await planBackfillNow(deps, { interval: 'day', fromMs: START, toMs: START + DAYS * 24 * H });
    const summary = await runBackfill(deps, plan, { concurrency: 2, attempts: 1 });
    const ourBackfill = performance.now() - s;
    if (summary.failed > 0) throw new Error(`${summary.failed} windows failed`);
    console.log(
      `backfill of ${DAYS} days (${summary.succeeded} windows: hours then days): floor (GROUP BY per hour and per day) ${(floorBackfill / 1000).toFixed(1)} s, ` +
        `backfill ${(ourBackfill / 1000).toFixed(1)} s → ${(ourBackfill / floorBackfill).toFixed(2)}× the floor`,
    );
    // --- 2. one hourly rollup (forced: its window is built) ---
    const hour = registry.windowAt('hour', START + 12 * H);
    const floorHour: number[] = [];
    const ourHour: number[] = [];
    const duckHour: number[] = [];
    const publishHour: number[] = [];
    const hourPaths = filesByHour.get(hour.start.getTime())!;
    for (let i = 0; i < REPEAT; i++) {
      let s = performance.now();
      await floorGroupBy(hourPaths);
      floorHour.push(performance.now() - s);
      // The DuckDB half alone: sum + catalog join, full rollup Parquet, totals and tops read into JS.
      s = performance.now();
      await engine.rollup('bench', { kind: 'raw', paths: hourPaths, startMs: hour.start.getTime(), endMs: hour.end.getTime() }, 'bench/hour.parquet');
      duckHour.push(performance.now() - s);
      s = performance.now();
      const o = await runWindow(deps, hour, 'forced', { force: true });
      if (o.status !== 'succeeded') throw new Error(`hour run ${o.status}`);
      ourHour.push(performance.now() - s);
      publishHour.push(o.phaseMs.publish);
    }
    const [fh, oh] = [median(floorHour), median(ourHour)];
    const dh = median(duckHour);
    const ph = median(publishHour);
    const storedHour = await db.knex(TABLES.batchTable).where({ interval: 'hour', window_start: hour.start }).count('* as n').first();
    console.log(`hourly rollup: floor (GROUP BY) ${fh.toFixed(1)} ms, rollup ${oh.toFixed(1)} ms → ${(oh / fh).toFixed(2)}× the floor (median of ${REPEAT})`);
    console.log(`  of which DuckDB (sum, Parquet, tops) ${dh.toFixed(1)} ms → ${(dh / fh).toFixed(2)}× the floor; the publish transaction ${ph.toFixed(1)} ms (${String(storedHour?.n)} serving rows)`);

    const stored = await db.knex(TABLES.batchTable).count('* as n').first();
    console.log(`batch_table rows stored: ${String(stored?.n)}`);
    if (args.json) {
      writeFileSync(
        args.json,
        JSON.stringify({
          data: { scale: SCALE, products: PRODUCTS, days: DAYS, files, rawRows: files * CELLS, partitions: PARTITIONS, repeat: REPEAT, channels: CHANNELS },
          hourly: { floorMs: fh, rollupMs: oh, duckdbMs: dh, publishMs: ph, servingRows: Number(storedHour?.n) },
          backfill: { floorMs: floorBackfill, backfillMs: ourBackfill, windows: summary.succeeded },
          batchTableRows: Number(stored?.n),
        }),
      );
    }
    engine.close();
  } finally {
    c.closeSync();
    duck.closeSync();
    await db.drop();
    rmSync(lakeDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
