import { z } from 'zod';
import { appConfigSchema, env, loadConfig } from '@hitboard/runtime';
import { LAKE_SETTINGS } from '@hitboard/lake';

/**
 * The deployment settings the batch layer uses (libs/runtime's contract: TOPIC_EVENTS names the
 * ledger's topic it reads), then its own.
 */
export const configSchema = appConfigSchema(['DATABASE_URL', 'TOPIC_EVENTS', 'REPORTING_TIME_ZONE', 'ALLOWED_LATENESS_MS'], {
  ...LAKE_SETTINGS, // LAKE_DIR or LAKE_URL (+ AWS_*, cache): raw/ is read (ledger-listed files only), rollup/ is written
  ROLLUP_CONCURRENCY: env.int(1).default(2).describe('windows rolled up at once by one process (DuckDB work + one Postgres transaction each)'),
  ROLLUP_ATTEMPTS: env.int(1).default(3).describe('attempts per window within one pass (backoff between them); a window still failing is retried at the next tick'),
  ROLLUP_RETRY_BASE_MS: env.int(1).default(1000).describe('first retry delay, ms; doubles per attempt (full jitter)'),
  DUCKDB_THREADS: env.int(1).default(2).describe('DuckDB worker threads shared by the running tasks'),
  CATCH_UP_ON_START: env.bool().default(true).describe('run every ready window that is missing, failed or dirty at start-up, oldest first'),
  OVERDUE_AFTER_MS: env
    .int(60_000)
    .default(2 * 3_600_000)
    .describe('/healthz fails when a window has been ready (closed, children done) this long without a succeeded run, ms'),
  STALL_AFTER_MS: env
    .int(60_000)
    .default(30 * 60_000)
    .describe('/healthz fails when no scheduler pass has finished for this long, or the running pass has finished no window for this long, ms'),
  OPS_PORT: env.port().default(9468).describe('port of /metrics and /healthz (0: any free port)'),
  STOP_BOUND_MS: env.stopBound(),
  LOG_LEVEL: env.logLevel(),
});

export type RollupConfig = z.output<typeof configSchema>;

export function loadRollupConfig(source: NodeJS.ProcessEnv = process.env): RollupConfig {
  return loadConfig('batch-rollup', configSchema, source);
}
