import { totalmem } from 'node:os';
import { z } from 'zod';
import { appConfigSchema, env, loadConfig } from '@hitboard/runtime';
import { LAKE_SETTINGS } from '@hitboard/lake';
import { DEFAULT_MEMORY_BUDGET_MIB, MIB, MIN_MEMORY_BUDGET_MIB, splitMemoryBudget, type MemoryShares } from './core/memory-budget';

const MACHINE_MIB = Math.floor(totalmem() / MIB);

/**
 * Every setting of the aggregator, from the environment (see `.env.example` and `--help`): the
 * deployment settings it uses (libs/runtime's contract), then its own.
 */
export const configSchema = appConfigSchema(['KAFKA_BROKERS', 'DATABASE_URL', 'TOPIC_EVENTS', 'TOPIC_DLQ', 'TOPIC_PRODUCT_SUMS', 'ALLOWED_LATENESS_MS'], {
  KAFKA_CLIENT_ID: z.string().min(1).default('hitboard-aggregator').describe('Kafka client id'),
  KAFKA_GROUP_ID: z.string().min(1).default('hitboard-aggregator').describe('consumer group: instances with the same group share the partitions'),
  KAFKA_SESSION_TIMEOUT_MS: env
    .int(6000)
    .default(30_000)
    .describe('group session timeout (ms): how long a dead instance keeps its partitions before Kafka reassigns them'),
  ...LAKE_SETTINGS, // LAKE_DIR or LAKE_URL (+ AWS_*): where raw/date=…/hour=…/ files go
  FLUSH_INTERVAL_MS: env.int(50).default(5000).describe('flush a partition at least this often (ms) while it has data'),
  MEMORY_BUDGET_MIB: z.coerce
    .number()
    .int('must be a whole number of MiB')
    .min(MIN_MEMORY_BUDGET_MIB, `must be at least ${MIN_MEMORY_BUDGET_MIB} (MiB): the buffers, the Parquet staging and the Kafka fetches share it`)
    .max(MACHINE_MIB, `must not exceed this machine's memory (${MACHINE_MIB} MiB)`)
    .default(DEFAULT_MEMORY_BUDGET_MIB)
    .describe(
      "the process's memory budget (MiB), shared by the partitions' buffers with their duplicate windows (1/2: the largest flush when their sum fills it), DuckDB's memory_limit in the Parquet staging worker (1/4) and the Kafka fetches (1/8); the rest is the runtime's",
    ),
  FLUSH_MAX_KEYS: env
    .int(1)
    .optional()
    .describe('DEPRECATED (MEMORY_BUDGET_MIB bounds the whole process): if set, a partition also flushes when its buffer holds this many (minute, product, channel) cells'),
  IDLE_TIMEOUT_MS: env.int(0).default(30_000).describe('a drained partition idle this long moves its watermark with the clock (ms)'),
  DEDUPE_WINDOW_MS: env
    .int(1000)
    .default(15 * 60_000)
    .describe('duplicate event_ids are dropped within this span of arrival time (Kafka timestamp) in one partition (ms)'),
  DEDUPE_MAX_IDS: env
    .int(1000)
    .default(1_000_000)
    .describe('ids the duplicate window of one partition holds at most (~25 MB at the cap); past it the oldest minute is evicted early (hitboard_aggregator_dedupe_evicted_early_total)'),
  WATERMARK_MAX_FUTURE_MS: env
    .int(0)
    .default(60_000)
    .describe('an event time beyond the wall clock plus this (ms) moves the watermark only to that bound (a producer with a wrong clock)'),
  HEALTH_STALL_AFTER_MS: env
    .int(1000)
    .default(60_000)
    .describe('/healthz fails when a partition with lag has not advanced its ledger for this long (ms)'),
  SHUTDOWN_TIMEOUT_MS: env
    .int(100)
    .default(10_000)
    .describe('SIGTERM waits this long (ms) for the shutdown flushes, then leaves the group anyway (the ledger keeps what did not commit); at most STOP_BOUND_MS minus 4 s (leaving the group, closing the pool)'),
  STOP_BOUND_MS: env.stopBound(),
  CURRENCIES: z
    .string()
    .default('USD')
    .transform((s) => s.split(',').map((c) => c.trim()).filter(Boolean))
    .describe('accepted ISO 4217 currency codes, comma-separated'),
  MAX_EVENT_BYTES: env.int(64).default(4096).describe('events larger than this go to the DLQ as oversized'),
  DLQ_MAX_VALUE_BYTES: env
    .int(1024)
    .default(256 * 1024)
    .describe('a refused value larger than this (bytes) is dead-lettered as its first bytes + length + sha256; keep it well below the DLQ topic\'s max.message.bytes'),
  OPS_PORT: env.port().default(9464).describe('port of /metrics and /healthz (0 = any free port)'),
  OPS_HOST: z.string().default('127.0.0.1').describe('address /metrics and /healthz bind to'),
  LOG_LEVEL: env.logLevel(),
  // Fault-injection hook for the crash tests: SIGKILL this process at a named step of a flush.
  AGGREGATOR_CRASH_AT: z
    .enum(['before-file', 'after-file', 'after-publish', 'after-ledger'])
    .optional()
    .describe('TEST ONLY: kill -9 this process at this step of a flush'),
  AGGREGATOR_CRASH_ON_FLUSH: env.int(1).default(1).describe('TEST ONLY: which flush (1 = the first with data) AGGREGATOR_CRASH_AT applies to'),
});

export type AggregatorConfig = z.output<typeof configSchema>;

export function readConfig(source: NodeJS.ProcessEnv = process.env): AggregatorConfig {
  return loadConfig('aggregator', configSchema, source);
}

/** The shares of `MEMORY_BUDGET_MIB` (src/core/memory-budget.ts says how it is split). */
export function memorySharesOf(config: Pick<AggregatorConfig, 'MEMORY_BUDGET_MIB'>): MemoryShares {
  return splitMemoryBudget(config.MEMORY_BUDGET_MIB * MIB);
}

/** The start-up warning for a deprecated setting, or null. */
export function deprecationWarning(config: Pick<AggregatorConfig, 'FLUSH_MAX_KEYS' | 'MEMORY_BUDGET_MIB'>): string | null {
  if (config.FLUSH_MAX_KEYS === undefined) return null;
  return (
    `FLUSH_MAX_KEYS is deprecated: MEMORY_BUDGET_MIB (${config.MEMORY_BUDGET_MIB} MiB) bounds the process's buffers whatever the partition count. ` +
    `FLUSH_MAX_KEYS=${config.FLUSH_MAX_KEYS} is still honoured as a cap per partition (more, smaller Parquet files); unset it to let the budget decide`
  );
}
