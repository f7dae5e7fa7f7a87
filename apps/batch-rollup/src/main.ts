import { createDb } from '@hitboard/db-client';
import { openLakeStore } from '@hitboard/lake';
import { finishedWithin, runService } from '@hitboard/runtime';
import { IntervalRegistry } from '@hitboard/time';
import { configSchema } from './config';
import { createRollupMetrics } from './metrics';
import { RollupEngine } from './rollup-engine';
import { RollupScheduler } from './scheduler';

const APP = 'batch-rollup';
/** What a stop keeps for releasing the engine, the lake and the pool after the pass. */
const RELEASE_MS = 4000;

runService({
  name: APP,
  summary:
    'The batch layer: rolls the Parquet lake up exactly, hour → day → week, day → month → year (every interval of the registry), ' +
    'each interval at its registry cron, with a catch-up pass at start-up. Each window: full rollup Parquet under rollup/ in the lake (LAKE_DIR or LAKE_URL), ' +
    'then one Postgres transaction (batch_table tops, window_totals, rollup_runs, dirty mark cleared, covered speed rows deleted). ' +
    'Late data marks windows dirty; they are rebuilt. Ops: `cli.ts backfill` and `cli.ts runs`.',
  env: configSchema,
  create: async ({ config, log, registry }) => {
    const metrics = createRollupMetrics(registry);
    const knex = createDb(config.DATABASE_URL, { pool: { min: 0, max: config.ROLLUP_CONCURRENCY + 2 }, applicationName: `hitboard-${APP}` });
    const lake = openLakeStore(config);
    const engine = await RollupEngine.create(lake, { threads: config.DUCKDB_THREADS });
    const scheduler = new RollupScheduler(
      { knex, engine, registry: IntervalRegistry.standard(config.REPORTING_TIME_ZONE), topic: config.TOPIC_EVENTS, allowedLatenessMs: config.ALLOWED_LATENESS_MS, log, metrics },
      {
        concurrency: config.ROLLUP_CONCURRENCY,
        attempts: config.ROLLUP_ATTEMPTS,
        retryBaseMs: config.ROLLUP_RETRY_BASE_MS,
        overdueAfterMs: config.OVERDUE_AFTER_MS,
        stallAfterMs: config.STALL_AFTER_MS,
      },
    );
    log.info({ topic: config.TOPIC_EVENTS, lake: lake.location, zone: config.REPORTING_TIME_ZONE, concurrency: config.ROLLUP_CONCURRENCY }, 'starting');
    return {
      start: () => scheduler.start({ catchUp: config.CATCH_UP_ON_START }),
      stop: async () => {
        // The running pass gets the stop bound minus what releasing needs (issue 29); what it leaves is
        // rebuilt at the next start (rollup_runs decides, not the stop).
        await scheduler.stop(Math.max(1000, config.STOP_BOUND_MS - RELEASE_MS));
        engine.close();
        await lake.close();
        // A pool whose queries hang (Postgres stopped, not refusing) never finishes closing: leave it.
        if (!(await finishedWithin(knex.destroy(), RELEASE_MS / 2))) log.error({ timeoutMs: RELEASE_MS / 2 }, 'stop: the database pool did not close in time (Postgres not answering); exiting without it');
      },
      health: () => scheduler.health(),
    };
  },
});
