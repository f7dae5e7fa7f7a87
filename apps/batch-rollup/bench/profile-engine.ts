/**
 * The DuckDB side of an hourly rollup at scale, without Postgres' publish
 * (`TEST_DATABASE_URL=… npx tsx apps/batch-rollup/bench/profile-engine.ts [--baseline FILE]`):
 * one hour of the bench's `--scale` lake (BENCH_PRODUCTS=200000, BENCH_PARTITIONS=4 files of
 * BENCH_CELLS_PER_FILE=250000 rows, channels on unless BENCH_CHANNELS=0), then BENCH_REPEAT rounds alternating
 * (ABBA) the floor — DuckDB's plain GROUP BY of the hour's files — with `RollupEngine.rollup`, and with
 * `--baseline FILE` another RollupEngine module (e.g. main's, `git show main:…/rollup-engine.ts`) beside it;
 * `--ranking`: this engine ranking in DuckDB and in JS, side by side (where RANK_IN_JS_BELOW_ROWS should sit).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { sqlString } from '@hitboard/lake';
import { TABLES } from '@hitboard/schema';
import { freshDatabase } from '@hitboard/testkit';
import { RollupEngine } from '../src/rollup-engine';
import { fillLake } from './lake-fixture';
import { H, runProfile, START } from './profile-support';

const { values: args } = parseArgs({ options: { baseline: { type: 'string' }, ranking: { type: 'boolean', default: false } } });
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const PRODUCTS = num('BENCH_PRODUCTS', 200_000);
const PARTITIONS = num('BENCH_PARTITIONS', 4);
const CELLS = num('BENCH_CELLS_PER_FILE', 250_000);
const REPEAT = num('BENCH_REPEAT', 4);

type Engine = Pick<RollupEngine, 'rollup' | 'setCatalog' | 'close'>;

async function main(): Promise<void> {
  const db = await freshDatabase();
  const lakeDir = mkdtempSync(join(tmpdir(), 'rollup-profile-engine-'));
  const duck = await DuckDBInstance.create(':memory:', { threads: '2' });
  const c = await duck.connect();
  const engines: Array<[string, Engine]> = [];
  try {
    const filesByHour = await fillLake(db.knex, lakeDir, { products: PRODUCTS, startMs: START, days: 1, hours: 1, partitions: PARTITIONS, cellsPerFile: CELLS, channels: process.env['BENCH_CHANNELS'] !== '0' });
    const paths = filesByHour.get(START)!;
    const catalog = (await db.knex(TABLES.products).select('product_id', 'category')).map((r) => ({ productId: r.product_id as string, category: r.category as string }));
    if (args.ranking) {
      // The two rankings of this engine side by side, whatever the size: where RANK_IN_JS_BELOW_ROWS should sit.
      engines.push(['sql', await RollupEngine.create(lakeDir, { threads: 2, rankInJsBelowRows: 0 })]);
      engines.push(['js', await RollupEngine.create(lakeDir, { threads: 2, rankInJsBelowRows: Infinity })]);
    } else engines.push(['this', await RollupEngine.create(lakeDir, { threads: 2 })]);
    if (args.baseline) {
      const mod = (await import(resolve(args.baseline))) as { RollupEngine: { create: (lake: string, o: { threads: number }) => Promise<Engine> } };
      engines.push(['baseline', await mod.RollupEngine.create(lakeDir, { threads: 2 })]);
    }
    for (const [, e] of engines) await e.setCatalog(catalog);
    const floor = async () => {
      const list = paths.map((p) => sqlString(join(lakeDir, p))).join(', ');
      const r = await c.runAndReadAll(`SELECT product_id, sum(units)::BIGINT AS u, sum(revenue_cents)::BIGINT AS r, sum(orders)::BIGINT AS o FROM read_parquet([${list}]) GROUP BY product_id`);
      return r.getRowObjectsJS().length;
    };
    const times = new Map<string, number[]>([['floor', []], ...engines.map(([name]) => [name, []] as [string, number[]])]);
    const steps: Array<[string, () => Promise<unknown>]> = [
      ['floor', floor],
      ...engines.map(([name, e]): [string, () => Promise<unknown>] => [name, () => e.rollup('profile', { kind: 'raw', paths, startMs: START, endMs: START + H }, `profile/${name}.parquet`)]),
    ];
    let top = 0;
    for (let i = 0; i < REPEAT; i++) {
      for (const [name, step] of i % 2 === 0 ? steps : [...steps].reverse()) {
        const s = performance.now();
        const r = await step();
        times.get(name)!.push(performance.now() - s);
        if (name !== 'floor') top = (r as Awaited<ReturnType<RollupEngine['rollup']>>).top.length;
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const f = median(times.get('floor')!);
    for (const [name, xs] of times) {
      process.stdout.write(`${name.padEnd(9)} median ${median(xs).toFixed(0)} ms (${(median(xs) / f).toFixed(2)}× the floor)  [${xs.map((x) => x.toFixed(0)).join(', ')}]\n`);
    }
    process.stdout.write(`${PARTITIONS} × ${CELLS} rows, ${PRODUCTS} products; ${top} overall stored rows\n`);
  } finally {
    for (const [, e] of engines) e.close();
    c.closeSync();
    duck.closeSync();
    await db.drop();
    rmSync(lakeDir, { recursive: true, force: true });
  }
}

runProfile(main);
