import { z } from 'zod';
import { env, loadConfig } from '@hitboard/runtime';
import { TOPICS } from '@hitboard/schema';
import { LAKE_SETTINGS } from '@hitboard/lake';

/** Every setting of the aggregator, from the environment (see `.env.example` and `--help`). */
export const configSchema = z.object({
  KAFKA_BROKERS: env.brokers().default(['127.0.0.1:19092']).describe('Kafka bootstrap brokers, host:port,…'),
  KAFKA_CLIENT_ID: z.string().min(1).default('hitboard-aggregator').describe('Kafka client id'),
  KAFKA_GROUP_ID: z.string().min(1).default('hitboard-aggregator').describe('consumer group: instances with the same group share the partitions'),
  KAFKA_SESSION_TIMEOUT_MS: env
    .int(6000)
    .default(30_000)
    .describe('group session timeout (ms): how long a dead instance keeps its partitions before Kafka reassigns them'),
  TOPIC_EVENTS: z.string().min(1).default(TOPICS.salesEvents).describe('input topic of raw sale events'),
  TOPIC_DLQ: z.string().min(1).default(TOPICS.salesEventsDlq).describe('dead-letter topic for refused events'),
  TOPIC_PRODUCT_SUMS: z.string().min(1).default(TOPICS.productSums).describe('output topic of pre-summed (minute, product) records'),
  DATABASE_URL: env.postgresUrl().describe('Postgres holding the ingest ledger (required)'),
  ...LAKE_SETTINGS, // LAKE_DIR or LAKE_URL (+ AWS_*): where raw/date=…/hour=…/ files go
  FLUSH_INTERVAL_MS: env.int(50).default(5000).describe('flush a partition at least this often (ms) while it has data'),
  FLUSH_MAX_KEYS: env.int(1).default(200_000).describe('flush a partition when its buffer holds this many (minute, product) keys'),
  ALLOWED_LATENESS_MS: env.int(0).default(5 * 60_000).describe('event-time lateness allowed before the watermark passes (ms)'),
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
