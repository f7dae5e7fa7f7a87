import { z } from 'zod';
import { appConfigSchema, env, loadConfig } from '@hitboard/runtime';
import { DEFAULT_CANDIDATES, DEFAULT_SKETCH_PARAMS } from '@hitboard/topk';
import { BYTES_PER_PRODUCT, DEFAULT_MOVER_PARAMS } from '@hitboard/movers';

const fraction = () => z.coerce.number().gt(0).lt(1);

/** The deployment settings the speed pipeline uses (libs/runtime's contract), then its own. */
export const configSchema = appConfigSchema(['KAFKA_BROKERS', 'DATABASE_URL', 'TOPIC_PRODUCT_SUMS', 'REPORTING_TIME_ZONE'], {
  KAFKA_CLIENT_ID: z.string().min(1).default('hitboard-speed-pipeline').describe('Kafka client id'),
  KAFKA_GROUP_ID: z.string().min(1).default('hitboard-speed-pipeline').describe('consumer group id; instances of one group split the shards'),
  WRITE_INTERVAL_MS: env.int(50).default(2000).describe('how often each shard replaces its speed_table rows and checkpoints, ms'),
  SKETCH_EPS: fraction().default(DEFAULT_SKETCH_PARAMS.eps).describe('count-min eps: error bound = eps x window total, per key'),
  SKETCH_DELTA: fraction().default(DEFAULT_SKETCH_PARAMS.delta).describe('count-min delta: probability a key exceeds the bound'),
  SKETCH_SEED: env.int(0).default(DEFAULT_SKETCH_PARAMS.seed).describe('count-min hash seed (every mergeable sketch must share it)'),
  CANDIDATES: env.int(10).default(DEFAULT_CANDIDATES).describe('top-K candidates kept per window and metric (well above the 10 served)'),
  WINDOW_HORIZON_MS: env
    .int(60_000)
    .default(48 * 3_600_000)
    .describe('a window closes (late records dropped, memory freed; rows kept for the batch layer) once the event-time watermark passes its end by this much'),
  MAX_CLOCK_SKEW_MS: env
    .int(0)
    .default(15 * 60_000)
    .describe('records whose minute is further ahead of the wall clock are refused (a wrong producer clock must not close windows), ms'),
  STALL_AFTER_MS: env.int(1000).default(60_000).describe('/healthz fails when a shard checkpoint has not moved this long while records wait, ms'),
  STOP_TIMEOUT_MS: env.int(0).default(10_000).describe('graceful stop: how long the batch in flight and the last checkpoint may take (Postgres may be gone) before leaving the group anyway, ms; at most STOP_BOUND_MS minus 4 s'),
  STOP_BOUND_MS: env.stopBound(),
  KAFKA_MAX_BYTES_PER_PARTITION: env.int(1024).default(1_048_576).describe('largest fetch per partition, bytes (1 MiB)'),
  KAFKA_SESSION_TIMEOUT_MS: env
    .int(6000)
    .default(30_000)
    .describe('consumer group session timeout, ms: how long a crashed instance keeps its shards before the group reassigns them'),
  OPS_PORT: env.port().default(9466).describe('port of /metrics and /healthz (0: any free port)'),
  MOVERS_MAX_PRODUCTS: env.int(1).default(DEFAULT_MOVER_PARAMS.maxProducts).describe(`products the mover tracker keeps per shard (${BYTES_PER_PRODUCT} B of state + the id map each); the quietest go first`),
  MOVERS_MIN_COUNT: env.int(1).default(DEFAULT_MOVER_PARAMS.minCount).describe('a mover needs at least this many orders since it began rising (or expected, falling)'),
  MOVERS_MIN_FACTOR: z.coerce.number().gt(1).default(DEFAULT_MOVER_PARAMS.minFactor).describe('a mover sells at least this many times its usual (or at most its inverse)'),
  MOVERS_SIGNIFICANCE: fraction().default(DEFAULT_MOVER_PARAMS.significance).describe('one-sided Poisson p-value a mover must reach (every product is tested every write)'),
  LOG_LEVEL: env.logLevel(),
  SPEED_TEST_KILL_AFTER_RECORDS: env
    .int(1)
    .optional()
    .describe('TEST HOOK: SIGKILL this process after applying this many records (crash-recovery tests only)'),
  SPEED_TEST_KILL_AFTER_WRITES: env
    .int(1)
    .optional()
    .describe('TEST HOOK: SIGKILL this process right after this many shard transactions commit, before the Kafka offset commit'),
});

export type SpeedConfig = z.output<typeof configSchema>;

export function loadSpeedConfig(source: NodeJS.ProcessEnv = process.env): SpeedConfig {
  return loadConfig('speed-pipeline', configSchema, source);
}
