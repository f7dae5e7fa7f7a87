/**
 * Where a backfill's time goes (`TEST_DATABASE_URL=… npx tsx apps/batch-rollup/bench/profile-backfill.ts`):
 * fills BENCH_DAYS (default 3) days of the bench's lake, backfills every day (hours first, concurrency 2)
 * and prints the windows' phases summed (prepare, DuckDB engine, publish) and the Postgres statements
 * summed by their text (knex's query / query-response events: the time includes the round trip).
 */
import { planBackfillNow, runBackfill } from '../src/backfill';
import { H, runProfile, START, withProfileWorld } from './profile-support';

const DAYS = Number(process.env['BENCH_DAYS'] ?? 3);

async function main(): Promise<void> {
  await withProfileWorld(DAYS, async ({ deps, statements }) => {
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
    statements.print('Postgres statements (mean ms per window, round trip included):', n, 25);
  });
}

runProfile(main);
