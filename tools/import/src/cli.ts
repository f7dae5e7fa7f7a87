#!/usr/bin/env tsx
import { clock } from '@hitboard/runtime';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { createKafka, createProducer } from '@hitboard/kafka';
import { appConfigSchema, brokersFromEnv, loadConfig, runMain } from '@hitboard/runtime';
import { TOPICS } from '@hitboard/schema';
import { formatSummary } from './summary';
import { runImport } from './importer';
import { formatOf, type ImportFormat } from './read-rows';

const HELP = `Usage: hitboard-import FILE [options]

Imports sales history from an export (CSV with a header row, NDJSON, or Parquet — DuckDB reads
them) through the same path as live sales: every row is checked with the sale-event schema's
validator, and the valid ones are produced to Kafka (the events topic, keyed by product_id),
so the aggregator writes them to the lake exactly once and the batch layer rebuilds the windows
they land in (late data). Refused rows go to a reject file with their line number and reason.

A file is recorded by the SHA-256 of its content (Postgres table imports): importing it again is
skipped, unless --force. An import that stopped (Ctrl-C, crash) resumes where Kafka last
acknowledged when run again on the same file.

Columns/fields: event_id, order_id, product_id, quantity, unit_price_cents, currency,
occurred_at (ISO 8601 with a zone), store_id, user_id, channel, and optionally lat, lon.

Options:
  --format F        csv, ndjson or parquet            (default: from the file name)
  --rejects FILE    where refused rows go             (default: FILE.rejects.ndjson)
  --topic NAME      Kafka topic                       (default $TOPIC_EVENTS, else ${TOPICS.salesEvents})
  --batch N         rows per producer send            (default 1000)
  --force           import again a file already imported
  -h, --help        this text

Environment: DATABASE_URL (required), KAFKA_BROKERS (default 127.0.0.1:19092), TOPIC_EVENTS (the
deployment's events topic, as every app reads it).
Exit: 0 imported or skipped (refused rows are listed, not fatal), 1 failed, 2 bad usage.`;

/** The deployment setting import shares with every app: where events go unless --topic says otherwise. */
const settingsSchema = appConfigSchema(['TOPIC_EVENTS'], {});

async function main(): Promise<void> {
  const settings = loadConfig('import', settingsSchema);
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      rejects: { type: 'string' },
      topic: { type: 'string', default: settings.TOPIC_EVENTS },
      batch: { type: 'string', default: '1000' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const usage = (msg: string): never => {
    process.stderr.write(`${msg} (see --help)\n`);
    process.exit(2);
  };
  const path = positionals[0] ?? usage('give the file to import');
  if (positionals.length > 1) usage('one file at a time');
  const databaseUrl = process.env['DATABASE_URL'] ?? usage('DATABASE_URL is required (the Postgres holding the imports table)');
  const batchSize = Number(values.batch);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) usage(`--batch must be 1 … 10000, got ${values.batch}`);
  let format: ImportFormat;
  try {
    format = formatOf(path, values.format);
  } catch (err) {
    return usage((err as Error).message);
  }

  const brokers = brokersFromEnv();
  const producer = createProducer(createKafka({ brokers, clientId: 'hitboard-import' }), { allowAutoTopicCreation: false });
  await producer.connect();
  const bar = new SingleBar({ format: 'import |{bar}| {percentage}% {value}/{total} rows {eta_formatted} left', stream: process.stderr }, Presets.shades_classic);
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  try {
    const summary = await runImport({
      path,
      format,
      databaseUrl,
      topic: values.topic,
      rejectsPath: values.rejects ?? `${path}.rejects.ndjson`,
      force: values.force,
      batchSize,
      send: async (messages) => {
        // Ctrl-C stops before the next batch: what was acknowledged is recorded, a later run resumes.
        if (abort.signal.aborted) throw new Error('interrupted: run the same command again to resume');
        await producer.send({ topic: values.topic, acks: -1, messages: messages.map((m) => ({ ...m, timestamp: String(clock.now()) })) }); // the aggregator judges "the future" by Kafka's timestamp: the one clock's
      },
      onStart: ({ totalRows, resumeFromRow }) => {
        if (resumeFromRow > 0) process.stderr.write(`resuming: rows before ${resumeFromRow} were sent by an earlier run\n`);
        bar.start(totalRows, 0);
      },
      onProgress: (done) => bar.update(done),
    });
    bar.stop();
    process.stdout.write(`${formatSummary(summary, path, values.rejects ?? `${path}.rejects.ndjson`)}\n`);
  } finally {
    bar.stop();
    await producer.disconnect();
  }
}

if (require.main === module) runMain(main);
