import { clock } from '@hitboard/runtime';
/**
 * Scenario-test harness: a real broker (KAFKA_BROKERS), a fresh real Postgres database, a temp lake,
 * and the aggregator as a child process (so kill -9 is real). The invariant every scenario checks:
 * per (UTC hour, product) the lake's sums over ledger-listed files equal the sums of the valid,
 * distinct events produced; the DLQ holds exactly the bad ones (as distinct source offsets).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CompressionTypes, type Kafka, type Message } from 'kafkajs';
import type { Knex } from 'knex';
import { createKafka, createProducer, createTopicsWithLeaders } from '@hitboard/kafka';
import { CHANNELS, decodeProductSum, productSumCellKey, revenueCentsOf, TABLES, type SaleEvent } from '@hitboard/schema';
import { databaseSwitch as testkitDatabaseSwitch, freshDatabase, kafkaBrokers, startApp, waitForIngestCaughtUp, type AppProcess, type DatabaseSwitch, type FreshDatabase } from '@hitboard/testkit';
import { addSums, comparableSums, sumsByHourAndProduct, type Sums } from '@hitboard/testkit/lake-sums';
import { hourStartMs, readLakeChannelSums, readLakeSums } from '@hitboard/lake';

export const brokers = (): string[] | null => kafkaBrokers() ?? null;

/** `describe` on the real broker, or a loud skip without one (a failure in CI / with KAFKA_REQUIRED), and polling: the test kit's. */
export { describeKafka, waitFor } from '@hitboard/testkit';

export interface Scenario {
  kafka: Kafka;
  db: FreshDatabase;
  lakeDir: string;
  topics: { events: string; dlq: string; sums: string };
  groupId: string;
  partitions: number;
  /** Environment for an aggregator child process of this scenario. */
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
}

export async function createScenario(name: string, partitions = 3): Promise<Scenario> {
  const suffix = `${clock.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const topics = { events: `agg-${name}-events-${suffix}`, dlq: `agg-${name}-dlq-${suffix}`, sums: `agg-${name}-sums-${suffix}` };
  const kafka = createKafka({ brokers: brokers() as string[], clientId: `test-${name}`, logLevel: 'error' });
  const admin = kafka.admin();
  await admin.connect();
  await createTopicsWithLeaders(admin, [
    { topic: topics.events, numPartitions: partitions, replicationFactor: 1 },
    { topic: topics.dlq, numPartitions: 1, replicationFactor: 1 },
    { topic: topics.sums, numPartitions: 1, replicationFactor: 1 },
  ]);
  await admin.disconnect();
  const db = await freshDatabase();
  const lakeDir = mkdtempSync(join(tmpdir(), `agg-lake-${name}-`));
  const groupId = `agg-${name}-${suffix}`;
  return {
    kafka,
    db,
    lakeDir,
    topics,
    groupId,
    partitions,
    env: (extra = {}) => ({
      PATH: process.env['PATH'],
      KAFKA_BROKERS: (brokers() as string[]).join(','),
      KAFKA_GROUP_ID: groupId,
      TOPIC_EVENTS: topics.events,
      TOPIC_DLQ: topics.dlq,
      TOPIC_PRODUCT_SUMS: topics.sums,
      DATABASE_URL: db.url,
      LAKE_DIR: lakeDir,
      FLUSH_INTERVAL_MS: '300',
      // The broker's minimum: a killed instance's partitions move on after 6 s, not 30.
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      OPS_PORT: '0',
      LOG_LEVEL: 'info',
      ...extra,
    }),
    cleanup: async () => {
      await db.drop();
      rmSync(lakeDir, { recursive: true, force: true });
    },
  };
}

/**
 * Makes the scenario's database refuse connections (`ALLOW_CONNECTIONS false`, backends terminated) and
 * take them again, through an admin connection of its own: Postgres "down" for the aggregator only.
 */
/** The test kit's switch for the scenario's database. */
export function databaseSwitch(s: Scenario): Promise<DatabaseSwitch> {
  return testkitDatabaseSwitch(s.db.name);
}

// ── the aggregator as a child process ─────────────────────────────────────────────────────────

/** An aggregator child: the test kit's app process (output(), lines(), opsPort(), signal(), stop(), kill()). */
export type Child = AppProcess;

/** The aggregator's real main.ts as a child process (so kill -9 is real), with exactly `env`. */
export function startAggregator(env: NodeJS.ProcessEnv, label = 'aggregator'): Child {
  return startApp('aggregator', env, { label, keepLines: 2000 });
}

// ── events ────────────────────────────────────────────────────────────────────────────────────

/** What the test produced, and what it expects the aggregator to make of it. */
export interface Produced {
  message: Message;
  kind: 'good' | 'bad' | 'duplicate';
  event?: SaleEvent;
}

let eventSeq = 0;
export function saleEvent(overrides: Partial<SaleEvent> = {}, baseMs = clock.now() - 4 * 3_600_000): SaleEvent {
  const i = eventSeq++;
  return {
    event_id: `e-${process.pid}-${i}-${randomBytes(4).toString('hex')}`,
    order_id: `o-${i}`,
    product_id: `p-${(i * 7919) % 40}`,
    quantity: 1 + (i % 5),
    unit_price_cents: 100 + ((i * 37) % 5000),
    currency: 'USD',
    // Spread over three UTC hours, so flushes write several files.
    occurred_at: new Date(baseMs + ((i * 61_000) % (3 * 3_600_000))).toISOString(),
    store_id: `s-${i % 9}`,
    user_id: `u-${i % 101}`,
    // Every channel, so each scenario checks the per-channel lake and topic as well (issue 27).
    channel: CHANNELS[i % CHANNELS.length]!,
    ...overrides,
  };
}

export const good = (event: SaleEvent = saleEvent()): Produced => ({ kind: 'good', event, message: { key: event.product_id, value: JSON.stringify(event) } });
/** A producer's retry: same event, same key (so the same partition). */
export const duplicateOf = (p: Produced): Produced => ({ kind: 'duplicate', message: { ...p.message } });
export const bad = (key: string, value: string | Buffer | null): Produced => ({ kind: 'bad', message: { key, value } });

export function goodEvents(n: number): Produced[] {
  return Array.from({ length: n }, () => good());
}

export async function produce(kafka: Kafka, topic: string, items: Produced[], compression: CompressionTypes = CompressionTypes.None, chunk = 500): Promise<void> {
  // Idempotent: a request retried after a "not the leader" answer is not written twice (the bad and
  // duplicate messages a test sends are counted exactly).
  const producer = createProducer(kafka, { allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let i = 0; i < items.length; i += chunk) {
      await producer.send({ topic, compression, acks: -1, messages: items.slice(i, i + chunk).map((p) => p.message) });
    }
  } finally {
    await producer.disconnect();
  }
}

// ── the invariant ─────────────────────────────────────────────────────────────────────────────

/** Per (UTC hour, product): the sums of the good events among `items` (bad ones and duplicates never count). */
export function expectedSums(items: Produced[]): Map<string, Sums> {
  return sumsByHourAndProduct(items.flatMap((p) => (p.kind === 'good' && p.event ? [p.event] : [])));
}

/** Waits until the ledger has consumed every offset Kafka holds for the topic. */
export async function waitForLedgerCaughtUp(s: Scenario, timeoutMs = 180_000): Promise<void> {
  await waitForIngestCaughtUp(s.db.knex, s.kafka, s.topics.events, timeoutMs);
}

/** Per (UTC hour, product, channel): the sums of the good events among `items`, keyed like `readLakeChannelSums`. */
export function expectedChannelSums(items: Produced[]): Map<string, Sums> {
  const out = new Map<string, Sums>();
  for (const p of items) {
    const e = p.kind === 'good' ? p.event : undefined;
    if (e) addSums(out, `${hourStartMs(Date.parse(e.occurred_at))}|${e.product_id}|${e.channel}`, e.quantity, revenueCentsOf(e), 1);
  }
  return out;
}

/** Lake (ledger-listed files only) == produced valid, distinct events, overall and per channel; ledger consistent. */
export async function expectLakeMatches(s: Scenario, items: Produced[]): Promise<void> {
  expect(comparableSums(await readLakeSums(s.db.knex, s.lakeDir))).toEqual(comparableSums(expectedSums(items)));
  expect(comparableSums(await readLakeChannelSums(s.db.knex, s.lakeDir))).toEqual(comparableSums(expectedChannelSums(items)));
  await expectLedgerConsistent(s.db.knex, s.topics.events, s.lakeDir);
}

/** No pending flush, committed ranges tile [start, next_offset) per partition, every listed file exists. */
export async function expectLedgerConsistent(knex: Knex, topic: string, lakeDir: string): Promise<void> {
  const flushes = await knex(TABLES.ingestFlushes).where({ topic }).orderBy(['partition', 'first_offset']);
  expect(flushes.filter((f: { status: string }) => f.status !== 'committed')).toEqual([]);
  const offsets = await knex(TABLES.ingestOffsets).where({ topic });
  for (const o of offsets as Array<{ partition: number; next_offset: bigint }>) {
    const mine = (flushes as Array<{ partition: number; first_offset: bigint; last_offset: bigint }>).filter((f) => f.partition === o.partition);
    for (let i = 1; i < mine.length; i++) expect(mine[i]!.first_offset).toBe((mine[i - 1]!.last_offset as bigint) + 1n);
    if (mine.length > 0) expect(mine[mine.length - 1]!.last_offset + 1n).toBe(o.next_offset);
  }
  const files = await knex(TABLES.ingestFiles).select<{ path: string }[]>('path');
  for (const f of files) expect(existsSync(join(lakeDir, f.path))).toBe(true);
}

/** Every message of a topic, from the beginning to its current end. */
export async function readTopic(kafka: Kafka, topic: string): Promise<Array<{ partition: number; offset: string; key: string | null; value: Buffer | null; headers: Record<string, string> }>> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(ends.filter((e) => Number(e.high) > Number(e.low)).map((e) => [e.partition, Number(e.high)]));
  const out: Array<{ partition: number; offset: string; key: string | null; value: Buffer | null; headers: Record<string, string> }> = [];
  if (remaining.size === 0) return out;
  const consumer = kafka.consumer({ groupId: `reader-${randomBytes(6).toString('hex')}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
      out.push({ partition, offset: message.offset, key: message.key?.toString() ?? null, value: message.value, headers });
      if (Number(message.offset) + 1 >= (remaining.get(partition) ?? 0)) remaining.delete(partition);
      if (remaining.size === 0) done();
    },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([finished, new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`timed out reading ${topic}`)), 60_000)))]);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return out;
}

/** The DLQ's distinct source offsets ("partition:offset" keys). */
export async function dlqKeys(s: Scenario): Promise<Set<string>> {
  return new Set((await readTopic(s.kafka, s.topics.dlq)).map((m) => m.key as string));
}

/**
 * The product-sums topic as the speed pipeline sees it: per source partition, drop any flush whose
 * lastOffset is at or below the highest already applied; the rest must sum to the expected totals.
 */
export async function speedSideSums(s: Scenario): Promise<{ overall: Map<string, Sums>; byChannel: Map<string, Sums> }> {
  // The speed pipeline's rule (apps/speed-pipeline/src/flush-dedupe.ts): per source partition keep the
  // highest applied lastOffset and the keys applied for it; older flushes and repeated keys are replays.
  const high = new Map<number, { last: bigint; keys: Set<string> }>();
  const out = new Map<string, Sums>();
  const byChannel = new Map<string, Sums>();
  for (const m of await readTopic(s.kafka, s.topics.sums)) {
    const sum = decodeProductSum(m.value as Buffer);
    const last = BigInt(sum.lastOffset);
    const cellKey = productSumCellKey(sum); // a flush has one record per (minute, product, channel)
    const h = high.get(sum.sourcePartition);
    if (h && last < h.last) continue;
    if (h && last === h.last) {
      if (h.keys.has(cellKey)) continue;
      h.keys.add(cellKey);
    } else {
      high.set(sum.sourcePartition, { last, keys: new Set([cellKey]) });
    }
    addSums(out, `${hourStartMs(sum.minuteStartMs)}|${sum.productId}`, sum.units, sum.revenueCents, sum.orders);
    addSums(byChannel, `${hourStartMs(sum.minuteStartMs)}|${sum.productId}|${sum.channel}`, sum.units, sum.revenueCents, sum.orders);
  }
  return { overall: out, byChannel };
}

export function expectSpeedSideMatches(actual: { overall: Map<string, Sums>; byChannel: Map<string, Sums> }, items: Produced[]): void {
  expect(comparableSums(actual.overall)).toEqual(comparableSums(expectedSums(items)));
  expect(comparableSums(actual.byChannel)).toEqual(comparableSums(expectedChannelSums(items)));
}

/** Prints a child's last log lines (the scenario helper calls it for every child when a test fails). */
export function dumpOutput(label: string, child: Child | undefined, lines = 60): void {
  if (!child) return;
  process.stderr.write(`--- ${label} (last ${lines} lines) ---\n${child.lines().slice(-lines).join('\n')}\n`);
}

// ── one scenario, start to cleanup ────────────────────────────────────────────────────────────

/** Starts aggregator children for a scenario and keeps track of them. */
export interface Aggregators {
  /** Starts an aggregator child; `label` names it in the output dumped when the test fails. */
  start(env: NodeJS.ProcessEnv, label?: string): Child;
}

/**
 * Runs `body` on a fresh scenario. When it throws, every child started through `aggregators`
 * has its last output dumped; whatever happens, they are all killed and the scenario cleaned up.
 */
export async function withScenario(name: string, partitions: number, body: (s: Scenario, aggregators: Aggregators) => Promise<void>): Promise<void> {
  const s = await createScenario(name, partitions);
  const children: Array<{ label: string; child: Child }> = [];
  const aggregators: Aggregators = {
    start: (env, label = `aggregator ${children.length + 1}`) => {
      const child = startAggregator(env, label);
      children.push({ label, child });
      return child;
    },
  };
  try {
    await body(s, aggregators);
  } catch (err) {
    for (const { label, child } of children) dumpOutput(`${label} (${name})`, child);
    throw err;
  } finally {
    for (const { child } of children) await child.kill();
    await s.cleanup();
  }
}
