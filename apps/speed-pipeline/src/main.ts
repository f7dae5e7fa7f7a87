import { createDb } from '@hitboard/db-client';
import { createKafka } from '@hitboard/kafka';
import { finishedWithin, runService } from '@hitboard/runtime';
import { IntervalRegistry } from '@hitboard/time';
import { configSchema } from './config';
import { createSpeedMetrics } from './metrics';
import { SpeedPipeline } from './speed-pipeline';

const APP = 'speed-pipeline';

runService({
  name: APP,
  summary:
    'Consumes pre-summed records from TOPIC_PRODUCT_SUMS and keeps, per shard (partition) and open window of every speed ' +
    'interval, a count-min sketch with top-K candidates; every WRITE_INTERVAL_MS it replaces the shard\'s speed_table rows and ' +
    'checkpoints its state with the consumed offset in one Postgres transaction.',
  env: configSchema,
  create: async ({ config, log, registry }) => {
    const metrics = createSpeedMetrics(registry);
    const knex = createDb(config.DATABASE_URL, { pool: { min: 0, max: 4 }, applicationName: `hitboard-${APP}` });
    const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID, logger: log.child({ component: 'kafkajs' }) });
    const killAfter = config.SPEED_TEST_KILL_AFTER_RECORDS;
    const killAfterWrites = config.SPEED_TEST_KILL_AFTER_WRITES;
    // Test hooks: crash without any cleanup at a named point.
    const kill = () => process.kill(process.pid, 'SIGKILL');
    const pipeline = new SpeedPipeline({
      kafka,
      knex,
      log,
      metrics,
      registry: IntervalRegistry.standard(config.REPORTING_TIME_ZONE),
      topic: config.TOPIC_PRODUCT_SUMS,
      groupId: config.KAFKA_GROUP_ID,
      topk: { eps: config.SKETCH_EPS, delta: config.SKETCH_DELTA, seed: config.SKETCH_SEED, capacity: config.CANDIDATES },
      writeIntervalMs: config.WRITE_INTERVAL_MS,
      horizonMs: config.WINDOW_HORIZON_MS,
      maxClockSkewMs: config.MAX_CLOCK_SKEW_MS,
      stallAfterMs: config.STALL_AFTER_MS,
      // Room left in the stop bound for leaving the group (3 s) and closing the pool.
      stopTimeoutMs: Math.min(config.STOP_TIMEOUT_MS, config.STOP_BOUND_MS - 4000),
      maxBytesPerPartition: config.KAFKA_MAX_BYTES_PER_PARTITION,
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      movers: { maxProducts: config.MOVERS_MAX_PRODUCTS, minCount: config.MOVERS_MIN_COUNT, minFactor: config.MOVERS_MIN_FACTOR, significance: config.MOVERS_SIGNIFICANCE },
      ...(killAfter !== undefined ? { onRecordApplied: (n: number) => void (n >= killAfter && kill()) } : {}),
      ...(killAfterWrites !== undefined ? { onShardWritten: (n: number) => void (n >= killAfterWrites && kill()) } : {}),
    });
    log.info({ topic: config.TOPIC_PRODUCT_SUMS, groupId: config.KAFKA_GROUP_ID, zone: config.REPORTING_TIME_ZONE }, 'starting');
    return {
      start: () => pipeline.start(),
      stop: async () => {
        await pipeline.stop();
        // A pool whose query hangs (Postgres stopped, not refusing: the last checkpoint's) never finishes
        // closing; the stop bound keeps 1 s of its last 4 s for it, then leaves it (issue 29).
        if (!(await finishedWithin(knex.destroy(), 1000))) log.error({ timeoutMs: 1000 }, 'stop: the database pool did not close in time (Postgres not answering); exiting without it');
      },
      health: () => pipeline.health(),
    };
  },
});
