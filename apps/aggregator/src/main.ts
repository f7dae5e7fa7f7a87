import { createDb } from '@hitboard/db-client';
import { createKafka } from '@hitboard/kafka';
import { openLakeStore, RawFileWriter } from '@hitboard/lake';
import { runService } from '@hitboard/runtime';
import { Aggregator, type FlushStep } from './aggregator';
import { configSchema, deprecationWarning, memorySharesOf } from './config';
import { createAggregatorMetrics } from './metrics';

runService({
  name: 'aggregator',
  summary:
    'Consumes sale events from Kafka, pre-sums them per (minute, product) for each partition it owns, and flushes them ' +
    'exactly once to the Parquet lake, the ledger in Postgres and the product-sums topic. Start more instances with the ' +
    'same KAFKA_GROUP_ID to scale out. SIGTERM/SIGINT flush and leave the group.',
  env: configSchema,
  create: async ({ config, log, registry }) => {
    const metrics = createAggregatorMetrics(registry);
    const knex = createDb(config.DATABASE_URL, { applicationName: 'hitboard-aggregator', pool: { min: 0, max: 4 } });
    const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID, logger: log.child({ component: 'kafkajs' }) });
    const lake = openLakeStore(config);
    const deprecated = deprecationWarning(config);
    if (deprecated !== null) log.warn(deprecated);
    const shares = memorySharesOf(config);
    log.info({ memoryBudgetMiB: config.MEMORY_BUDGET_MIB, ...shares }, 'memory budget');
    // Parquet staging in a worker thread: the consuming thread only packs a flush's rows into columns.
    const writer = await RawFileWriter.create(lake, { stagingThread: 'worker', memoryLimitBytes: shares.stagingBytes });
    log.info({ lake: lake.location }, 'lake');

    const crashAt = config.AGGREGATOR_CRASH_AT;
    const onFlushStep = crashAt
      ? (step: FlushStep, ordinal: number) => {
          if (step === crashAt && ordinal === config.AGGREGATOR_CRASH_ON_FLUSH) {
            log.warn({ step, ordinal }, 'AGGREGATOR_CRASH_AT: killing this process with SIGKILL');
            process.kill(process.pid, 'SIGKILL');
          }
        }
      : undefined;

    const aggregator = new Aggregator({ config, kafka, knex, writer, log, metrics, ...(onFlushStep ? { onFlushStep } : {}) });
    return {
      start: () => aggregator.start(),
      stop: async () => {
        await aggregator.stop();
        await knex.destroy();
        writer.close();
        await lake.close();
      },
      health: () => aggregator.health(),
    };
  },
});
