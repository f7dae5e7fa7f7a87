/**
 * A demo lake for trying the ops commands without Kafka:
 * `DATABASE_URL=postgres://…/db LAKE_DIR=/tmp/lake npx tsx apps/batch-rollup/bench/seed-lake.ts --from 2026-01-01 --days 10 [--skip-days 3,4]`
 * The database must be migrated (`npx tsx infra/db/src/cli.ts migrate`).
 */
import { createDb } from '@hitboard/db-client';
import { handleHelp, parseArgs, runMain } from '@hitboard/runtime';
import { fillLake } from './lake-fixture';

runMain(async () => {
  const argv = handleHelp({
    name: 'seed-lake.ts',
    summary: 'Writes raw lake files and their ledger rows (2 partitions, 1500 rows per file, 5000 products) into DATABASE_URL and LAKE_DIR.',
    usage: ['--from <YYYY-MM-DD>   first UTC day', '--days <n>           days of data', '--skip-days <i,j>     day indexes left empty (gaps)'],
  });
  const args = parseArgs(argv, ['from', 'days', 'skip-days'], []);
  const knex = createDb(process.env['DATABASE_URL']!, { pool: { min: 0, max: 2 } });
  try {
    const byHour = await fillLake(knex, process.env['LAKE_DIR']!, {
      products: 5000,
      startMs: Date.parse(`${String(args['from'] ?? '2026-01-01')}T00:00:00Z`),
      days: Number(args['days'] ?? 10),
      partitions: 2,
      cellsPerFile: 1500,
      skipDays: typeof args['skip-days'] === 'string' ? args['skip-days'].split(',').map(Number) : [],
    });
    process.stdout.write(`seeded ${[...byHour.values()].flat().length} raw files over ${byHour.size} hours\n`);
  } finally {
    await knex.destroy();
  }
});
