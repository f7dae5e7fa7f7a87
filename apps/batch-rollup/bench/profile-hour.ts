/**
 * Where an hourly rollup's time goes, per SQL statement (`TEST_DATABASE_URL=… npx tsx apps/batch-rollup/bench/profile-hour.ts`):
 * fills one day of the bench's lake, runs one hour window BENCH_REPEAT times (forced) and prints the
 * run's phases (prepare, DuckDB engine, publish) and the Postgres statements summed by their text
 * (knex's query / query-response events, so the time includes the round trip).
 *
 * Runs alternate between batch_table as migrated and with the three secondary indexes migration 0014
 * dropped put back (`run_id`, and the two per-category rank indexes), so the same run shows what
 * they cost the publish on the same, equally loaded, cores.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { IntervalRegistry, TABLES, TOPICS } from '@hitboard/schema';
import { freshDatabase } from '@hitboard/testkit';
import { RollupEngine } from '../src/rollup-engine';
import { runWindow, type TaskDeps } from '../src/rollup-task';
import { fillLake } from './lake-fixture';

const H = 3_600_000;
const START = Date.parse('2026-01-01T00:00:00Z');
const REPEAT = Number(process.env['BENCH_REPEAT'] ?? 10);

async function main(): Promise<void> {
  const db = await freshDatabase();
  const lakeDir = mkdtempSync(join(tmpdir(), 'rollup-profile-'));
  try {
    await fillLake(db.knex, lakeDir, { products: 5000, startMs: START, days: 1, partitions: 2, cellsPerFile: 1500 });
    const registry = IntervalRegistry.standard('UTC');
    const engine = await RollupEngine.create(lakeDir, { threads: 2 });
    await engine.setCatalog((await db.knex(TABLES.products).select('product_id', 'category')).map((r) => ({ productId: r.product_id, category: r.category })));
    const deps: TaskDeps = { knex: db.knex, engine, registry, topic: TOPICS.salesEvents, allowedLatenessMs: 0, log: pino({ level: 'silent' }) };
    const started = new Map<string, { sql: string; at: number }>();
    const bySql = new Map<string, { n: number; ms: number }>();
    let recording = false;
    db.knex.on('query', (q: { __knexQueryUid: string; sql: string }) => started.set(q.__knexQueryUid, { sql: q.sql, at: performance.now() }));
    db.knex.on('query-response', (_r: unknown, q: { __knexQueryUid: string }) => {
      const s = started.get(q.__knexQueryUid);
      started.delete(q.__knexQueryUid);
      if (!s || !recording) return;
      const key = s.sql.replace(/\s+/g, ' ').slice(0, 110);
      const e = bySql.get(key) ?? { n: 0, ms: 0 };
      e.n += 1;
      e.ms += performance.now() - s.at;
      bySql.set(key, e);
    });
    const hour = registry.windowAt('hour', START + 12 * H);
    await runWindow(deps, hour, 'forced', { force: true }); // warm-up
    recording = true;
    const DROPPED = [
      'CREATE INDEX batch_table_run_idx ON batch_table (run_id)',
      'CREATE INDEX batch_table_category_units_idx ON batch_table ("interval", window_start, category, category_rank_units)',
      'CREATE INDEX batch_table_category_revenue_idx ON batch_table ("interval", window_start, category, category_rank_revenue)',
    ];
    const runs = { migrated: [] as number[][], withDropped: [] as number[][] };
    for (let i = 0; i < 2 * REPEAT; i++) {
      const withDropped = i % 2 === 1;
      recording = false;
      if (withDropped) for (const sql of DROPPED) await db.knex.raw(sql);
      recording = !withDropped;
      const o = await runWindow(deps, hour, 'forced', { force: true });
      if (o.status !== 'succeeded') throw new Error(o.status);
      (withDropped ? runs.withDropped : runs.migrated).push([o.durationMs, o.phaseMs.prepare, o.phaseMs.engine, o.phaseMs.publish]);
      recording = false;
      if (withDropped) for (const name of ['batch_table_run_idx', 'batch_table_category_units_idx', 'batch_table_category_revenue_idx']) await db.knex.raw(`DROP INDEX ${name}`);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(1);
    const col = (rs: number[][], j: number) => median(rs.map((r) => r[j]!));
    for (const [name, rs] of Object.entries(runs)) {
      process.stdout.write(`${name.padEnd(12)} median of ${REPEAT}: total ${col(rs, 0)} ms = prepare ${col(rs, 1)} + engine ${col(rs, 2)} + publish ${col(rs, 3)} (+ lock)\n`);
    }
    const per = (ms: number) => (ms / REPEAT).toFixed(1);
    process.stdout.write('Postgres statements of the migrated runs (mean ms per run, round trip included):\n');
    for (const [sql, e] of [...bySql].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20)) process.stdout.write(`${per(e.ms).padStart(7)} ms  ×${(e.n / REPEAT).toFixed(0)}  ${sql}\n`);
    engine.close();
  } finally {
    await db.drop();
    rmSync(lakeDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
