import { clock } from '@hitboard/runtime';
/**
 * Scenario-test helpers. `useScenario()` is the one setup every spec shares: a fresh database
 * (@hitboard/testkit), a client of the real broker (KAFKA_BROKERS), topics, a producer that
 * publishes product-sum flushes shaped like the aggregator's, pipelines in-process (on the broker
 * or on a `FakeConsumer`), and the teardown of all of it. A pipeline as a child process:
 * `startChild` (the test kit's `startApp`).
 */
import { randomBytes } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import type { Knex } from 'knex';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createKafka } from '@hitboard/kafka';
import { createTestTopic, describeKafka, freshDatabase, kafkaBrokers, startApp, waitFor, type AppProcess, type FreshDatabase } from '@hitboard/testkit';
import { CHANNEL_ALL, encodeProductSum, flushIdOf, TABLES, type ProductSum, type StoredChannel } from '@hitboard/schema';
import { IntervalRegistry } from '@hitboard/time';
import { createSpeedMetrics } from '../src/metrics';
import { SpeedPipeline, type SpeedPipelineOptions } from '../src/speed-pipeline';
import { FakeConsumer } from './fakeConsumer';

export const BROKERS = kafkaBrokers() ?? [];

/** testkit's describeKafka (skips loudly without a broker, fails under CI), for suites that read BROKERS. */
export function describeWithKafka(name: string, fn: () => void): void {
  describeKafka(name, () => fn());
}

export const unique = (prefix: string): string => `${prefix}-${clock.now().toString(36)}-${randomBytes(3).toString('hex')}`;

export function testKafka(): Kafka {
  return createKafka({ brokers: BROKERS, clientId: unique('speed-test'), logLevel: 'nothing' });
}

/** One aggregator flush of source partition `source` covering offsets [first, last]: one record per (minute, product, channel); channel 'web' unless told. */
export function flushOf(
  source: number,
  first: number,
  last: number,
  lines: Array<{ productId: string; minuteStartMs: number; units: number; revenueCents?: number; channel?: StoredChannel }>,
): ProductSum[] {
  return lines.map((l) => ({
    flushId: flushIdOf(source, String(first), String(last)),
    sourcePartition: source,
    firstOffset: String(first),
    lastOffset: String(last),
    minuteStartMs: l.minuteStartMs,
    productId: l.productId,
    units: l.units,
    revenueCents: l.revenueCents ?? l.units * 250,
    orders: 1,
    channel: l.channel ?? 'web',
  }));
}

/**
 * For tests that play the broker: `count` records of one shard, record i its own flush of source
 * partition 0 with i + 1 units of product p{i % 3} at 07:42 UTC on 2026-11-22 (hour window 07:00).
 */
export function oneRecordFlushes(count: number): ProductSum[] {
  const minuteStartMs = Date.parse('2026-11-22T07:42:00Z');
  return Array.from({ length: count }, (_, i) => flushOf(0, i * 10, i * 10 + 9, [{ productId: `p${i % 3}`, minuteStartMs, units: i + 1 }])[0]!);
}

/** Units per product of `records`, each counted once: what speed_table must hold for them. */
export function unitsOf(records: ProductSum[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) out[r.productId] = (out[r.productId] ?? 0) + r.units;
  return out;
}

/** Publishes like the aggregator: keyed by product id, one send per flush. */
async function publish(producer: Producer, topic: string, ...flushes: ProductSum[][]): Promise<void> {
  for (const sums of flushes) {
    await producer.send({ topic, messages: sums.map((s) => ({ key: s.productId, value: encodeProductSum(s) })) });
  }
}

export async function endOffsets(kafka: Kafka, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** Polling until a probe returns a value: the test kit's. */
export { waitFor } from '@hitboard/testkit';

/** Resolves once every partition's checkpoint has reached the partition's end offset. */
export async function waitForCheckpoints(knex: Knex, kafka: Kafka, topic: string, timeoutMs = 60_000): Promise<void> {
  const ends = await endOffsets(kafka, topic);
  await waitFor(
    `checkpoints of ${topic} to reach ${JSON.stringify([...ends].map(([p, o]) => [p, String(o)]))}`,
    async () => {
      const rows = await knex(TABLES.speedCheckpoints).where({ topic }).select<Array<{ shard: number; next_offset: bigint }>>('shard', 'next_offset');
      const at = new Map(rows.map((r) => [r.shard, r.next_offset]));
      return [...ends].every(([p, end]) => end === 0n || at.get(p) === end);
    },
    timeoutMs,
  );
}

export interface InProcess {
  pipeline: SpeedPipeline;
  /** Graceful stop (last write + checkpoint); idempotent. */
  stop(): Promise<void>;
}

/** A pipeline in this process, quiet, with small sketches unless told otherwise. */
async function startInProcess(knex: Knex, topic: string, groupId: string, overrides: Partial<SpeedPipelineOptions> & { zone?: string } = {}): Promise<InProcess> {
  const { zone, ...rest } = overrides;
  const pipeline = new SpeedPipeline({
    kafka: rest.kafka ?? testKafka(),
    knex,
    log: pino({ level: process.env.SPEED_TEST_LOG ?? 'silent' }),
    metrics: createSpeedMetrics(new Registry()),
    registry: IntervalRegistry.standard(zone ?? 'UTC'),
    topic,
    groupId,
    topk: { eps: 1e-3, delta: 0.01, seed: 1, capacity: 200 },
    writeIntervalMs: 100,
    horizonMs: 48 * 3_600_000,
    ...rest,
  });
  await pipeline.start();
  let stopped: Promise<void> | undefined;
  return { pipeline, stop: () => (stopped ??= pipeline.stop()) };
}

/** A pipeline fed by a `FakeConsumer`: the test plays the broker and calls `pipeline.writeAll()` itself. */
export interface FakeFed extends InProcess {
  fake: FakeConsumer;
}

/** What one scenario test works with; `useScenario` creates it before each test and tears it down after. */
export interface Scenario {
  /** A fresh, migrated database. */
  readonly db: FreshDatabase;
  /** A client of the test broker (connects nothing by itself). */
  readonly kafka: Kafka;
  /** One more fresh database, dropped with the scenario. */
  database(): Promise<FreshDatabase>;
  /** A new topic on the test broker. */
  topic(partitions: number): Promise<string>;
  /** Publishes flushes like the aggregator (one producer per test, connected on first use). */
  publish(topic: string, ...flushes: ProductSum[][]): Promise<void>;
  /** A pipeline on the scenario database and the test broker; stopped after the test if it was not. */
  start(topic: string, groupId: string, overrides?: Partial<SpeedPipelineOptions> & { zone?: string }): Promise<InProcess>;
  /** A pipeline on the scenario database fed by a fake consumer; it writes only when the test calls writeAll. */
  startFake(topic: string, overrides?: Partial<SpeedPipelineOptions> & { zone?: string }): Promise<FakeFed>;
}

/**
 * Registers the beforeEach/afterEach every scenario test needs: a fresh database, a broker client,
 * and afterwards every pipeline stopped, the producer disconnected and every database dropped.
 * Tests with a fake consumer never touch the broker.
 */
export function useScenario(): Scenario {
  let current: Scenario | undefined;
  let cleanup: Array<() => Promise<void>> = [];
  beforeEach(async () => {
    const db = await freshDatabase();
    const dbs = [db];
    const runs: InProcess[] = [];
    let kafka: Kafka | undefined;
    let producer: Promise<Producer> | undefined;
    const client = (): Kafka => (kafka ??= testKafka());
    cleanup = [
      async () => {
        await Promise.all(runs.map((r) => r.stop()));
      },
      async () => {
        if (producer) await (await producer).disconnect();
      },
      async () => {
        await Promise.all(dbs.map((d) => d.drop()));
      },
    ];
    const track = (run: InProcess): InProcess => (runs.push(run), run);
    current = {
      db,
      get kafka() {
        return client();
      },
      database: async () => {
        const more = await freshDatabase();
        dbs.push(more);
        return more;
      },
      topic: (partitions) => createTestTopic(BROKERS, { partitions, prefix: 'speed-sums' }),
      publish: async (topic, ...flushes) => {
        producer ??= (async () => {
          const p = client().producer();
          await p.connect();
          return p;
        })();
        await publish(await producer, topic, ...flushes);
      },
      start: async (topic, groupId, overrides = {}) => track(await startInProcess(db.knex, topic, groupId, { kafka: client(), ...overrides })),
      startFake: async (topic, overrides = {}) => {
        const fake = new FakeConsumer(topic);
        // Writes happen when the test calls writeAll, never on a timer.
        const run = track(await startInProcess(db.knex, topic, 'g', { writeIntervalMs: 3_600_000, ...overrides, kafka: fake.kafka() }));
        return { ...run, fake };
      },
    };
  });
  afterEach(async () => {
    const steps = cleanup;
    cleanup = [];
    current = undefined;
    // Every step runs even if an earlier one failed; the first failure is reported.
    let failure: unknown;
    for (const step of steps) {
      try {
        await step();
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
  });
  const scenario = (): Scenario => {
    if (!current) throw new Error('use the scenario inside a test (it is created in beforeEach)');
    return current;
  };
  return {
    get db() {
      return scenario().db;
    },
    get kafka() {
      return scenario().kafka;
    },
    database: () => scenario().database(),
    topic: (partitions) => scenario().topic(partitions),
    publish: (topic, ...flushes) => scenario().publish(topic, ...flushes),
    start: (topic, groupId, overrides) => scenario().start(topic, groupId, overrides),
    startFake: (topic, overrides) => scenario().startFake(topic, overrides),
  };
}

/**
 * The app's `main.ts` as a child process (the test kit's app process). Await `ready()` before a SIGTERM: it
 * resolves once the ops server is announced, which happens after its SIGTERM handler is installed (a
 * SIGTERM sent before that would kill it outright). Warnings and errors reach the test's output (every line with SPEED_TEST_LOG).
 */
export function startChild(env: Record<string, string>): AppProcess {
  return startApp(
    'speed-pipeline',
    // At info, so the ops server's line arrives; printed only when SPEED_TEST_LOG asks for logs.
    { ...process.env, OPS_PORT: '0', LOG_LEVEL: process.env.SPEED_TEST_LOG ?? 'info', ...env },
    { onLine: (line) => void ((process.env.SPEED_TEST_LOG || !line.startsWith('{') || /"level":[456]0/.test(line)) && process.stdout.write(`${line}\n`)) },
  );
}

/**
 * `src/main.ts` as a child process with the stop specs' settings (info logs, ops port 0, 100 ms writes,
 * an 8 s stop bound), pushed onto `apps` for the spec's afterEach to stop.
 */
export function startStoppableMain(
  apps: AppProcess[],
  name: string,
  options: { brokers: string[]; databaseUrl: string; topic: string; groupId: string; sessionTimeoutMs: number },
): AppProcess {
  const app = startApp(
    'speed-pipeline',
    {
      ...process.env,
      KAFKA_BROKERS: options.brokers.join(','),
      DATABASE_URL: options.databaseUrl,
      TOPIC_PRODUCT_SUMS: options.topic,
      KAFKA_GROUP_ID: options.groupId,
      REPORTING_TIME_ZONE: 'UTC',
      OPS_PORT: '0',
      LOG_LEVEL: 'info',
      WRITE_INTERVAL_MS: '100',
      KAFKA_SESSION_TIMEOUT_MS: String(options.sessionTimeoutMs),
      STOP_BOUND_MS: '8000',
    },
    { label: name },
  );
  apps.push(app);
  return app;
}

/** speed_table without updated_at, every channel ('all' and each one's), in a stable order, with bigints as strings (comparable with toEqual). */
export async function speedRows(knex: Knex): Promise<Array<Record<string, string | number>>> {
  const rows = await knex(TABLES.speedTable)
    .select('interval', 'window_start', 'channel', 'shard', 'product_id', 'units', 'revenue_cents', 'error_bound', 'revenue_error_bound')
    .orderBy(['interval', 'window_start', 'channel', 'shard', 'product_id']);
  return rows.map((r: Record<string, unknown>) => ({
    interval: String(r.interval),
    window_start: (r.window_start as Date).toISOString(),
    channel: String(r.channel),
    shard: Number(r.shard),
    product_id: String(r.product_id),
    units: String(r.units),
    revenue_cents: String(r.revenue_cents),
    error_bound: String(r.error_bound),
    revenue_error_bound: String(r.revenue_error_bound),
  }));
}

/** Units per (interval, window_start, product) of `channel` (default: the overall rows), summed over shards. */
export async function unitsByWindow(knex: Knex, interval: string, channel: string = CHANNEL_ALL): Promise<Record<string, Record<string, number>>> {
  const rows = await knex(TABLES.speedTable).where({ interval, channel }).select('window_start', 'product_id', 'units');
  const out: Record<string, Record<string, number>> = {};
  for (const r of rows as Array<{ window_start: Date; product_id: string; units: bigint }>) {
    const w = (out[r.window_start.toISOString()] ??= {});
    w[r.product_id] = (w[r.product_id] ?? 0) + Number(r.units);
  }
  return out;
}
