/**
 * Where an hourly rollup's time goes, per SQL statement (`TEST_DATABASE_URL=… npx tsx apps/batch-rollup/bench/profile-hour.ts`):
 * fills the first 13 hours of the bench's lake (BENCH_SCALE=1: the `--scale` shape), runs one hour window BENCH_REPEAT times (forced) and prints the
 * run's phases (prepare, DuckDB engine, publish) and the Postgres statements summed by their text
 * (knex's query / query-response events, so the time includes the round trip).
 *
 * Runs alternate between batch_table as migrated and with the three secondary indexes migration 0014
 * dropped put back (`run_id`, and the two per-category rank indexes), so the same run shows what
 * they cost the publish on the same, equally loaded, cores.
 */
import { runWindow } from '../src/rollup-task';
import { H, runProfile, START, withProfileWorld } from './profile-support';

const REPEAT = Number(process.env['BENCH_REPEAT'] ?? 10);

async function main(): Promise<void> {
  await withProfileWorld(1, async ({ db, registry, deps, statements }) => {
    statements.recording = false; // not the warm-up
    const hour = registry.windowAt('hour', START + 12 * H);
    await runWindow(deps, hour, 'forced', { force: true }); // warm-up
    statements.recording = true;
    const DROPPED = [
      'CREATE INDEX batch_table_run_idx ON batch_table (run_id)',
      'CREATE INDEX batch_table_category_units_idx ON batch_table ("interval", window_start, category, category_rank_units)',
      'CREATE INDEX batch_table_category_revenue_idx ON batch_table ("interval", window_start, category, category_rank_revenue)',
    ];
    const runs = { migrated: [] as number[][], withDropped: [] as number[][] };
    for (let i = 0; i < 2 * REPEAT; i++) {
      const withDropped = i % 2 === 1;
      statements.recording = false;
      if (withDropped) for (const sql of DROPPED) await db.knex.raw(sql);
      statements.recording = !withDropped;
      const o = await runWindow(deps, hour, 'forced', { force: true });
      if (o.status !== 'succeeded') throw new Error(o.status);
      (withDropped ? runs.withDropped : runs.migrated).push([o.durationMs, o.phaseMs.prepare, o.phaseMs.engine, o.phaseMs.publish]);
      statements.recording = false;
      if (withDropped) for (const name of ['batch_table_run_idx', 'batch_table_category_units_idx', 'batch_table_category_revenue_idx']) await db.knex.raw(`DROP INDEX ${name}`);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(1);
    const col = (rs: number[][], j: number) => median(rs.map((r) => r[j]!));
    for (const [name, rs] of Object.entries(runs)) {
      process.stdout.write(`${name.padEnd(12)} median of ${REPEAT}: total ${col(rs, 0)} ms = prepare ${col(rs, 1)} + engine ${col(rs, 2)} + publish ${col(rs, 3)} (+ lock)\n`);
    }
    statements.print('Postgres statements of the migrated runs (mean ms per run, round trip included):', REPEAT, 20);
  }, 13); // hours 0–12: the run is of hour 12
}

runProfile(main);
