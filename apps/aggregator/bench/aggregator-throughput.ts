/**
 * Aggregator throughput against two baselines reading the same topic, in the same run: a bare kafkajs
 * consumer, and the decode floor (the same consumer + JSON.parse of every value).
 *
 *   npx tsx apps/aggregator/bench/aggregator-throughput.ts [--events 1000000] [--partitions 6] [--products 5000] [--flush-interval-ms 5000]
 *
 * Needs a broker (KAFKA_BROKERS, default 127.0.0.1:19092: `bash infra/kafka/kafka.sh start`).
 * Postgres: DATABASE_URL (an admin URL; a scratch database is created) or an embedded server.
 * Fills a fresh topic with N realistic events (Zipf-skewed products), then times, from group join
 * to the last offset: (1) a bare kafkajs consumer with the aggregator's fetch settings that decodes
 * nothing; (1b) the same consumer parsing every value's JSON (the decode floor); (2) the real aggregator (validation, dedupe, pre-summing, Parquet lake, ledger,
 * product-sums publish) until the ledger holds every offset. The aggregator runs with its production
 * flush interval (FLUSH_INTERVAL_MS default, 5 s), so the run spans several timed flushes; once it has
 * read the last offset it is stopped gracefully, which flushes at once (end of input), instead of
 * idling until the next timed flush — that wait is latency, not throughput. Progress on stderr; the
 * result (events/s of both and the ratio) on stdout. `[mark]` lines on stderr give the aggregator
 * phase in process.hrtime µs, to cut a `--cpu-prof` profile to it.
 *
 * (3) The classic design, for the ≥ 100× target: a consumer that parses every event and INSERTs it
 * into Postgres, one autocommitted statement per event (the same database the aggregator's ledger
 * uses). It is timed over the first `--insert-events` events of the topic only (at a few thousand
 * per second the whole topic would take minutes); its events/s is compared with the aggregator's.
 * `--quick`: 200 000 events, 3 000 for the INSERT baseline. `--json FILE`: the result as JSON too.
 */
import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SingleBar } from 'cli-progress';
import pino from 'pino';
import { Client } from 'pg';
import { Registry } from 'prom-client';
import { createDb } from '@hitboard/db-client';
import { migrateLatest, startEmbeddedPostgres, type EmbeddedPostgresServer } from '@hitboard/db';
import { createKafka } from '@hitboard/kafka';
import { brokersFromEnv } from '@hitboard/runtime';
import { RawFileWriter, type StagingThread } from '@hitboard/lake';
import { TABLES } from '@hitboard/schema';
import { aliasSampler, seededRandom, zipfWeights } from '@hitboard/random';
import { Aggregator } from '../src/aggregator';
import { readConfig } from '../src/config';
import { AGGREGATOR_FETCH } from '../src/aggregator';
import { createAggregatorMetrics } from '../src/metrics';
import { benchArgs, cpuNowUs, decodeFloor, joinAndSubscribe, type Phase } from './harness';

const args = benchArgs(
  'Usage: npx tsx apps/aggregator/bench/aggregator-throughput.ts [--events N=1000000] [--partitions P=6] [--products K=5000] [--flush-interval-ms MS=aggregator default]\n' +
    '       [--insert-events N=10000] [--quick (200000 events, 3000 INSERTs)] [--staging-in-thread (Parquet staged on the consuming thread)] [--json FILE]\n' +
    'Env: KAFKA_BROKERS (default 127.0.0.1:19092), DATABASE_URL (admin URL; default: an embedded Postgres)\n',
  { events: [1_000_000, 200_000], 'insert-events': [10_000, 3000], 'flush-interval-ms': 0, partitions: 6, products: 5000 },
  ['staging-in-thread'],
);
const JSON_FILE = args.json;
const EVENTS = args.n.events;
const INSERT_EVENTS = Math.min(EVENTS, args.n['insert-events']);
const FLUSH_INTERVAL_MS = args.n['flush-interval-ms']; // 0: the aggregator's default
const PARTITIONS = args.n.partitions;
const PRODUCTS = args.n.products;
/** Where the lake writer stages Parquet: 'worker' (as the aggregator's main.ts) or 'thread' (the consuming thread, as before 2026-12-02). */
const STAGING: StagingThread = args.flags['staging-in-thread'] ? 'thread' : 'worker';
const BROKERS = brokersFromEnv();
const log = (msg: string) => process.stderr.write(`${msg}\n`);

async function fill(topic: string): Promise<void> {
  const kafka = createKafka({ brokers: BROKERS, clientId: 'bench-fill', logLevel: 'error' });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const product = aliasSampler(zipfWeights(PRODUCTS, 1.1), seededRandom(1)); // Zipf(s=1.1) ranks
  const bar = new SingleBar({ format: 'fill      [{bar}] {value}/{total} events', stream: process.stderr });
  bar.start(EVENTS, 0);
  const now = Date.now();
  const channels = ['web', 'app', 'store', 'marketplace'];
  for (let sent = 0; sent < EVENTS; ) {
    const n = Math.min(5000, EVENTS - sent);
    const messages = Array.from({ length: n }, (_, j) => {
      const i = sent + j;
      const productId = `p-${product()}`;
      const event = {
        event_id: `b-${i}-${randomBytes(4).toString('hex')}`,
        order_id: `o-${Math.floor(i / 3)}`,
        product_id: productId,
        quantity: 1 + (i % 4),
        unit_price_cents: 199 + ((i * 7919) % 20000),
        currency: 'USD',
        // Event time advances over 5 minutes: a busy shop's peak, compressed into one topic.
        occurred_at: new Date(now - 300_000 + Math.floor((i / EVENTS) * 300_000)).toISOString(),
        store_id: `s-${i % 50}`,
        user_id: `u-${(i * 31) % 100_000}`,
        lat: 52.52,
        lon: 13.4,
        channel: channels[i % 4],
      };
      return { key: productId, value: JSON.stringify(event) };
    });
    await producer.send({ topic, acks: -1, messages });
    sent += n;
    bar.update(sent);
  }
  bar.stop();
  await producer.disconnect();
}

/**
 * The classic design: parse each event and INSERT it, one autocommitted statement per event, in order.
 * Timed from group join to the INSERT_EVENTS-th committed row.
 */
async function insertPerEvent(topic: string, adminUrl: string): Promise<Phase> {
  const dbName = `bench_ins_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const pg = new Client({ connectionString: url.toString() });
  await pg.connect();
  // The event's fields as columns, a primary key on event_id (what a dedupe needs), no other index.
  await pg.query(`CREATE TABLE sale_events (event_id text PRIMARY KEY, order_id text NOT NULL, product_id text NOT NULL, quantity int NOT NULL,
                  unit_price_cents bigint NOT NULL, occurred_at timestamptz NOT NULL, store_id text, user_id text, channel text)`);
  const kafka = createKafka({ brokers: BROKERS, clientId: 'bench-insert', logLevel: 'error' });
  const consumer = kafka.consumer({ groupId: `bench-insert-${randomBytes(4).toString('hex')}`, sessionTimeout: 30_000, ...AGGREGATOR_FETCH, allowAutoTopicCreation: false });
  const sinceJoin = await joinAndSubscribe(consumer, topic);
  let inserted = 0;
  let done!: (phase: Phase) => void;
  const finished = new Promise<Phase>((r) => (done = r));
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning }) => {
      for (const m of batch.messages) {
        if (inserted >= INSERT_EVENTS || !isRunning()) return;
        if (m.value === null) continue;
        const e = JSON.parse(m.value.toString()) as Record<string, string | number>;
        await pg.query(
          'INSERT INTO sale_events (event_id, order_id, product_id, quantity, unit_price_cents, occurred_at, store_id, user_id, channel) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
          [e['event_id'], e['order_id'], e['product_id'], e['quantity'], e['unit_price_cents'], e['occurred_at'], e['store_id'], e['user_id'], e['channel']],
        );
        resolveOffset(m.offset);
        if (++inserted === INSERT_EVENTS) done(sinceJoin());
      }
      await heartbeat();
    },
  });
  const phase = await finished;
  await consumer.disconnect();
  await pg.end();
  await admin.query(`DROP DATABASE ${dbName} WITH (FORCE)`);
  await admin.end();
  return phase;
}

/** Flushes the aggregator committed during the timed run, and their summed wall time (intended → committed). */
interface FlushStats {
  flushes: number;
  flushSeconds: number;
  /** Summed seconds per flush step: ledger intent → file written → published → ledger commit. */
  stepSeconds: { intend: number; parquet: number; publish: number; commit: number };
}

async function aggregator(topic: string, adminUrl: string): Promise<Phase & { flush: FlushStats; peakRssMb: number }> {
  const dbName = `bench_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const knex = createDb(url.toString(), { pool: { max: 4 } });
  await migrateLatest(knex);
  const lakeDir = mkdtempSync(join(tmpdir(), 'bench-lake-'));
  const config = readConfig({
    KAFKA_BROKERS: BROKERS.join(','),
    KAFKA_GROUP_ID: `bench-agg-${randomBytes(4).toString('hex')}`,
    TOPIC_EVENTS: topic,
    TOPIC_DLQ: `${topic}-dlq`,
    TOPIC_PRODUCT_SUMS: `${topic}-sums`,
    DATABASE_URL: url.toString(),
    LAKE_DIR: lakeDir,
    ...(FLUSH_INTERVAL_MS > 0 ? { FLUSH_INTERVAL_MS: String(FLUSH_INTERVAL_MS) } : {}),
  });
  const kafka = createKafka({ brokers: BROKERS, clientId: 'bench-agg', logLevel: 'error' });
  const setup = kafka.admin();
  await setup.connect();
  await setup.createTopics({ waitForLeaders: true, topics: [{ topic: config.TOPIC_DLQ }, { topic: config.TOPIC_PRODUCT_SUMS, numPartitions: PARTITIONS }] });
  await setup.disconnect();
  let joinedAt = 0;
  let joinedCpuUs = 0;
  const logger = pino(
    { level: 'info' },
    {
      write: (line: string) => {
        if (joinedAt || !line.includes('partitions assigned')) return;
        joinedAt = performance.now();
        joinedCpuUs = cpuNowUs();
      },
    },
  );
  const writer = await RawFileWriter.create(lakeDir, { stagingThread: STAGING });
  const metrics = createAggregatorMetrics(new Registry());
  // Time each step of every flush (the crash-test hook is called at each step boundary).
  const steps = { intend: 0, parquet: 0, publish: 0, commit: 0 };
  const stepStart = new Map<number, number>();
  const names = { 'before-file': 'intend', 'after-file': 'parquet', 'after-publish': 'publish', 'after-ledger': 'commit' } as const;
  const onFlushStep = (step: keyof typeof names, ordinal: number): void => {
    const now = performance.now();
    if (step === 'before-file') {
      // The intent step ran from the flush's start, which the hook does not see: take it from the histogram's total instead.
      stepStart.set(ordinal, now);
      return;
    }
    steps[names[step]] += (now - (stepStart.get(ordinal) ?? now)) / 1000;
    stepStart.set(ordinal, now);
  };
  const agg = new Aggregator({ config, kafka, knex, writer, log: logger, metrics, onFlushStep });
  await agg.start();
  let stopped: Promise<void> | null = null;
  const bar = new SingleBar({ format: 'aggregate [{bar}] {value}/{total} offsets in the ledger', stream: process.stderr });
  bar.start(EVENTS, 0);
  let ms = 0;
  let cpuUs = 0;
  let peakRss = 0;
  for (;;) {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const [row] = await knex(TABLES.ingestOffsets).where({ topic }).sum<{ s: string }[]>({ s: 'next_offset' });
    const n = Number(row?.s ?? 0);
    bar.update(n);
    if (n >= EVENTS) {
      ms = performance.now() - joinedAt;
      cpuUs = cpuNowUs() - joinedCpuUs;
      break;
    }
    if (stopped === null) {
      const read = (await metrics.eventsIn.get()).values.reduce((sum, v) => sum + v.value, 0);
      // End of input: stop gracefully, which flushes every partition now (the clock keeps running until the ledger has it all).
      if (read >= EVENTS) stopped = agg.stop();
    }
    await sleep(20);
  }
  bar.stop();
  const hist = (await metrics.flushDuration.get()).values;
  const flush = {
    flushes: hist.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0,
    flushSeconds: Number((hist.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0).toFixed(2)),
    stepSeconds: {
      intend: 0,
      parquet: Number(steps.parquet.toFixed(2)),
      publish: Number(steps.publish.toFixed(2)),
      commit: Number(steps.commit.toFixed(2)),
    },
  };
  flush.stepSeconds.intend = Number(Math.max(0, flush.flushSeconds - steps.parquet - steps.publish - steps.commit).toFixed(2));
  await (stopped ?? agg.stop());
  writer.close();
  await knex.destroy();
  await admin.query(`DROP DATABASE ${dbName} WITH (FORCE)`);
  await admin.end();
  rmSync(lakeDir, { recursive: true, force: true });
  return { ms, cpuUs, flush, peakRssMb: Math.round(peakRss / 1048576) };
}

async function main(): Promise<void> {
  let embedded: EmbeddedPostgresServer | null = null;
  let adminUrl = process.env['DATABASE_URL'];
  if (!adminUrl) {
    log('starting an embedded Postgres…');
    embedded = await startEmbeddedPostgres({ dataDir: mkdtempSync(join(tmpdir(), 'bench-pg-')), persistent: false, durable: false });
    adminUrl = embedded.url;
  }
  try {
    const topic = `bench-agg-${Date.now().toString(36)}`;
    await fill(topic);
    log('bare kafkajs consumer…');
    const { ms: bareMs, cpuUs: bareCpuUs } = await decodeFloor(topic, EVENTS, { decode: false });
    log('decode floor (kafkajs + JSON.parse)…');
    const { ms: floorMs } = await decodeFloor(topic, EVENTS);
    log('aggregator…');
    log(`[mark] aggregator-start ${process.hrtime.bigint() / 1000n}`);
    const { ms: aggMs, cpuUs: aggCpuUs, flush, peakRssMb } = await aggregator(topic, adminUrl);
    log(`[mark] aggregator-end ${process.hrtime.bigint() / 1000n}`);
    log(`one INSERT per event (first ${INSERT_EVENTS} events)…`);
    const { ms: insertMs } = await insertPerEvent(topic, adminUrl);
    const insertRate = INSERT_EVENTS / (insertMs / 1000);
    const bareRate = EVENTS / (bareMs / 1000);
    const floorRate = EVENTS / (floorMs / 1000);
    const aggRate = EVENTS / (aggMs / 1000);
    const cpu = execSync("lscpu | sed -n 's/^Model name: *//p'").toString().trim();
    const result = {
      date: new Date().toISOString().slice(0, 10),
      machine: `${cpu}, ${execSync('nproc').toString().trim()} cores`,
      node: process.version,
      command: `npx tsx apps/aggregator/bench/aggregator-throughput.ts --events ${EVENTS} --insert-events ${INSERT_EVENTS} --partitions ${PARTITIONS} --products ${PRODUCTS}${FLUSH_INTERVAL_MS > 0 ? ` --flush-interval-ms ${FLUSH_INTERVAL_MS}` : ''}`,
      flushIntervalMs: FLUSH_INTERVAL_MS > 0 ? FLUSH_INTERVAL_MS : 'default (5000)',
      events: EVENTS,
      bareEventsPerSec: Math.round(bareRate),
      decodeFloorEventsPerSec: Math.round(floorRate),
      aggregatorEventsPerSec: Math.round(aggRate),
      ratio: Number((aggRate / bareRate).toFixed(3)),
      ratioToDecodeFloor: Number((aggRate / floorRate).toFixed(3)),
      insertPerEventEvents: INSERT_EVENTS,
      insertPerEventEventsPerSec: Math.round(insertRate),
      ratioToInsertPerEvent: Number((aggRate / insertRate).toFixed(1)),
      // Peak RSS of this process (consumer, aggregator, DuckDB) while the aggregator ran.
      aggregatorPeakRssMb: peakRssMb,
      bareSeconds: Number((bareMs / 1000).toFixed(2)),
      aggregatorSeconds: Number((aggMs / 1000).toFixed(2)),
      // CPU time of this process over the same timed span (user + system, all threads), per event: steadier
      // than wall time while the 2 cores also run the broker, Postgres and other people's jobs.
      bareCpuUsPerEvent: Number((bareCpuUs / EVENTS).toFixed(2)),
      aggregatorCpuUsPerEvent: Number((aggCpuUs / EVENTS).toFixed(2)),
      ...flush,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (JSON_FILE) writeFileSync(JSON_FILE, JSON.stringify(result));
  } finally {
    await embedded?.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
