import { createDb } from '@hitboard/db-client';
import { createKafka } from '@hitboard/kafka';
import { openLakeStore } from '@hitboard/lake';
import { createLogger, createMetricsRegistry, handleHelp, onShutdown, runMain, startOpsServer } from '@hitboard/runtime';
import { Aggregator, type FlushStep } from './aggregator';
import { configSchema, readConfig } from './config';
import { ParquetWriter } from './lake/parquet-writer';
import { createAggregatorMetrics } from './metrics';

handleHelp({
  name: 'aggregator',
  summary:
    'Consumes sale events from Kafka, pre-sums them per (minute, product) for each partition it owns, and flushes them ' +
    'exactly once to the Parquet lake, the ledger in Postgres and the product-sums topic. Start more instances with the ' +
    'same KAFKA_GROUP_ID to scale out. SIGTERM/SIGINT flush and leave the group.',
  env: configSchema,
});

runMain(async () => {
  const config = readConfig();
  const log = createLogger('aggregator', config.LOG_LEVEL);
  const registry = createMetricsRegistry('aggregator');
  const metrics = createAggregatorMetrics(registry);
  const knex = createDb(config.DATABASE_URL, { applicationName: 'hitboard-aggregator', pool: { min: 0, max: 4 } });
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID, logger: log.child({ component: 'kafkajs' }) });
  const lake = openLakeStore(config);
  const writer = await ParquetWriter.create(lake);

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
  const ops = await startOpsServer({ port: config.OPS_PORT, host: config.OPS_HOST, registry, health: () => aggregator.health() });
  log.info({ opsPort: ops.port, lake: lake.location }, 'ops server listening (/metrics, /healthz)');
  onShutdown(
    async () => {
      await aggregator.stop();
      await ops.close();
      await knex.destroy();
      writer.close();
      await lake.close();
    },
    (msg) => log.info(msg),
  );
  await aggregator.start();
});
