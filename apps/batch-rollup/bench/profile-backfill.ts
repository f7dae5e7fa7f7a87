/**
 * Where a backfill's time goes (`TEST_DATABASE_URL=… npx tsx apps/batch-rollup/bench/profile-backfill.ts`):
 * fills BENCH_DAYS (default 3) days of the bench's lake, backfills every day (hours first, concurrency 2)
 * and prints the windows' phases summed (prepare, DuckDB engine, publish) and the Postgres statements
 * summed by their text (knex's query / query-response events: the time includes the round trip).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { IntervalRegistry, TABLES, TOPICS } from '@hitboard/schema';
import { freshDatabase } from '@hitboard/testkit';
import { planBackfillNow, runBackfill } from '../src/backfill';
import { RollupEngine } from '../src/rollup-engine';
import type { TaskDeps } from '../src/rollup-task';
import { fillLake } from './lake-fixture';

const H = 3_600_000;
const START = Date.parse('2026-01-01T00:00:00Z');
const DAYS = Number(process.env['BENCH_DAYS'] ?? 3);

async function main(): Promise<void> {
  const db = await freshDatabase();
  const lakeDir = mkdtempSync(join(tmpdir(), 'backfill-profile-'));
  try {
    await fillLake(db.knex, lakeDir, { products: 5000, startMs: START, days: DAYS, partitions: 2, cellsPerFile: 1500 });
    const registry = IntervalRegistry.standard('UTC');
    const engine = await RollupEngine.create(lakeDir, { threads: 2 });
    await engine.setCatalog((await db.knex(TABLES.products).select('product_id', 'category')).map((r) => ({ productId: r.product_id, category: r.category })));
    const deps: TaskDeps = { knex: db.knex, engine, registry, topic: TOPICS.salesEvents, allowedLatenessMs: 0, log: pino({ level: 'silent' }) };
    const started = new Map<string, { sql: string; at: number }>();
    const bySql = new Map<string, { n: number; ms: number }>();
    db.knex.on('query', (q: { __knexQueryUid: string; sql: string }) => started.set(q.__knexQueryUid, { sql: q.sql, at: performance.now() }));
    db.knex.on('query-response', (_r: unknown, q: { __knexQueryUid: string }) => {
      const s = started.get(q.__knexQueryUid);
      started.delete(q.__knexQueryUid);
      if (!s) return;
      const key = s.sql.replace(/\s+/g, ' ').slice(0, 110);
      const e = bySql.get(key) ?? { n: 0, ms: 0 };
      e.n += 1;
      e.ms += performance.now() - s.at;
      bySql.set(key, e);
    });
    const phases = { prepare: 0, engine: 0, publish: 0, total: 0 };
    const t = performance.now();
    const plan = await planBackfillNow(deps, { interval: 'day', fromMs: START, toMs: START + DAYS * 24 * H });
    const summary = await runBackfill(deps, plan, {
      concurrency: 2,
      attempts: 1,
      onTaskDone: (_task, o) => {
        if (o.status !== 'succeeded') return;
        phases.prepare += o.phaseMs.prepare;
        phases.engine += o.phaseMs.engine;
        phases.publish += o.phaseMs.publish;
        phases.total += o.durationMs;
      },
    });
    const wall = performance.now() - t;
    const n = summary.succeeded;
    process.stdout.write(
      `backfill: ${n} windows in ${wall.toFixed(0)} ms wall (concurrency 2); per window: total ${(phases.total / n).toFixed(1)} ms = prepare ${(phases.prepare / n).toFixed(1)} + engine ${(phases.engine / n).toFixed(1)} + publish ${(phases.publish / n).toFixed(1)} (+ lock)\n`,
    );
    process.stdout.write('Postgres statements (mean ms per window, round trip included):\n');
    for (const [sql, e] of [...bySql].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) process.stdout.write(`${(e.ms / n).toFixed(2).padStart(7)} ms  ×${(e.n / n).toFixed(1)}  ${sql}\n`);
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
