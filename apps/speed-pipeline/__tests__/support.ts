/**
 * Scenario-test helpers: a real broker (KAFKA_BROKERS), a fresh database (@hitboard/testkit),
 * product-sum flushes shaped like the aggregator's, and the pipeline in-process or as a child.
 */
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Kafka, Producer } from 'kafkajs';
import type { Knex } from 'knex';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createKafka } from '@hitboard/kafka';
import { createTestTopic, describeKafka, kafkaBrokers } from '@hitboard/testkit';
import { encodeProductSum, flushIdOf, IntervalRegistry, TABLES, type ProductSum } from '@hitboard/schema';
import { createSpeedMetrics } from '../src/metrics';
import { SpeedPipeline, type SpeedPipelineOptions } from '../src/speed-pipeline';

export const BROKERS = kafkaBrokers() ?? [];

/** testkit's describeKafka (skips loudly without a broker, fails under CI), for suites that read BROKERS. */
export function describeWithKafka(name: string, fn: () => void): void {
  describeKafka(name, () => fn());
}

export const unique = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

export function testKafka(): Kafka {
  return createKafka({ brokers: BROKERS, clientId: unique('speed-test'), logLevel: 'nothing' });
}

export async function createTopic(kafka: Kafka, partitions: number): Promise<string> {
  void kafka;
  return createTestTopic(BROKERS, { partitions, prefix: 'speed-sums' });
}

/** One aggregator flush of source partition `source` covering offsets [first, last]: one record per (minute, product). */
export function flushOf(source: number, first: number, last: number, lines: Array<{ productId: string; minuteStartMs: number; units: number; revenueCents?: number }>): ProductSum[] {
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
  }));
}

/** Publishes like the aggregator: keyed by product id, one send per flush. */
export async function publish(producer: Producer, topic: string, ...flushes: ProductSum[][]): Promise<void> {
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

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

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
  stop(): Promise<void>;
}

/** A pipeline in this process, quiet, with small sketches unless told otherwise. */
export async function startInProcess(
  knex: Knex,
  topic: string,
  groupId: string,
  overrides: Partial<SpeedPipelineOptions> & { zone?: string } = {},
): Promise<InProcess> {
  const { zone, ...rest } = overrides;
  const kafka = testKafka();
  const pipeline = new SpeedPipeline({
    kafka,
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
  return { pipeline, stop: () => pipeline.stop() };
}

/**
 * `src/main.ts` under tsx as ONE child process (`node --import tsx`, not the `tsx` wrapper, whose
 * SIGKILL would orphan the real process); resolves its exit.
 */
export function startChild(env: Record<string, string>): { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const root = join(__dirname, '..');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { ...process.env, OPS_PORT: '0', LOG_LEVEL: process.env.SPEED_TEST_LOG ?? 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited };
}

/** speed_table without updated_at, in a stable order, with bigints as strings (comparable with toEqual). */
export async function speedRows(knex: Knex): Promise<Array<Record<string, string | number>>> {
  const rows = await knex(TABLES.speedTable)
    .select('interval', 'window_start', 'shard', 'product_id', 'units', 'revenue', 'error_bound', 'revenue_error_bound')
    .orderBy(['interval', 'window_start', 'shard', 'product_id']);
  return rows.map((r: Record<string, unknown>) => ({
    interval: String(r.interval),
    window_start: (r.window_start as Date).toISOString(),
    shard: Number(r.shard),
    product_id: String(r.product_id),
    units: String(r.units),
    revenue: String(r.revenue),
    error_bound: String(r.error_bound),
    revenue_error_bound: String(r.revenue_error_bound),
  }));
}

/** Units per (interval, window_start, product), summed over shards. */
export async function unitsByWindow(knex: Knex, interval: string): Promise<Record<string, Record<string, number>>> {
  const rows = await knex(TABLES.speedTable).where({ interval }).select('window_start', 'product_id', 'units');
  const out: Record<string, Record<string, number>> = {};
  for (const r of rows as Array<{ window_start: Date; product_id: string; units: bigint }>) {
    const w = (out[r.window_start.toISOString()] ??= {});
    w[r.product_id] = (w[r.product_id] ?? 0) + Number(r.units);
  }
  return out;
}
