/**
 * Where an hourly rollup's time goes, per SQL statement (`TEST_DATABASE_URL=… npx tsx apps/batch-rollup/bench/profile-hour.ts`):
 * fills one day of the bench's lake, runs one hour window BENCH_REPEAT times (forced) and prints the
 * run's phases (prepare, DuckDB engine, publish) and the Postgres statements summed by their text
 * (knex's query / query-response events, so the time includes the round trip).
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
    const phases = { total: 0, prepare: 0, engine: 0, publish: 0 };
    for (let i = 0; i < REPEAT; i++) {
      const o = await runWindow(deps, hour, 'forced', { force: true });
      if (o.status !== 'succeeded') throw new Error(o.status);
      phases.total += o.durationMs;
      phases.prepare += o.phaseMs.prepare;
      phases.engine += o.phaseMs.engine;
      phases.publish += o.phaseMs.publish;
    }
    const per = (ms: number) => (ms / REPEAT).toFixed(1);
    process.stdout.write(`per run (mean of ${REPEAT}): total ${per(phases.total)} ms = prepare ${per(phases.prepare)} + engine ${per(phases.engine)} + publish ${per(phases.publish)} (+ lock)\n`);
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
