/**
 * What the aggregator's benches share beyond the test kit (whose app processes, scratch databases,
 * Postgres server, topics and /proc readings they use): their command line, one run's world (a scratch
 * database, topics, the aggregator's settings), a fast event filler, the ledger's and a group's
 * progress, and how a result is printed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import type { Knex } from 'knex';
import { createKafka } from '@hitboard/kafka';
import { brokersFromEnv } from '@hitboard/runtime';
import { TABLES } from '@hitboard/schema';
import { createTestTopic, deleteTopicsStartingWith, freshDatabase, scratchServer, type FreshDatabase } from '@hitboard/testkit';
import { AGGREGATOR_FETCH, PARTITIONS_CONSUMED_CONCURRENTLY } from '../src/aggregator';

export { REPO_ROOT as ROOT } from '@hitboard/runtime';
export const BROKERS = brokersFromEnv();
export const log = (msg: string) => process.stderr.write(`${msg}\n`);

/**
 * A bench's command line (node:util parseArgs): `--help`/`-h` prints `usage` and exits; `--quick`,
 * `--json FILE`, the boolean `flags`, the `--name TEXT` options of `strings`, and one `--name N` (a
 * number ≥ 0) per key of `numbers`, whose value is its default, or [default, default with --quick].
 */
export function benchArgs<N extends string>(
  usage: string,
  numbers: Record<N, number | readonly [number, number]>,
  flags: readonly string[] = [],
  strings: readonly string[] = [],
): { quick: boolean; json: string | undefined; flags: Record<string, boolean>; n: Record<N, number>; s: Record<string, string | undefined> } {
  const names = Object.keys(numbers) as N[];
  const { values: parsed } = parseArgs({
    options: {
      help: { type: 'boolean', short: 'h' },
      quick: { type: 'boolean' },
      json: { type: 'string' },
      ...Object.fromEntries(flags.map((f) => [f, { type: 'boolean' as const }])),
      ...Object.fromEntries(strings.map((f) => [f, { type: 'string' as const }])),
      ...Object.fromEntries(names.map((n) => [n, { type: 'string' as const }])),
    },
  });
  const values = parsed as Record<string, string | boolean | undefined>;
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  const quick = values.quick === true;
  const n = {} as Record<N, number>;
  for (const name of names) {
    const fallback = numbers[name];
    const given = values[name] as string | undefined;
    const value = given === undefined ? (typeof fallback === 'number' ? fallback : fallback[quick ? 1 : 0]) : Number(given);
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number ≥ 0, got ${given}`);
    n[name] = value;
  }
  return {
    quick,
    json: values.json as string | undefined,
    flags: Object.fromEntries(flags.map((f) => [f, values[f] === true])),
    n,
    s: Object.fromEntries(strings.map((f) => [f, values[f] as string | undefined])),
  };
}

export const kafka = () => createKafka({ brokers: BROKERS, clientId: 'bench-harness', logLevel: 'error' });

export async function createTopics(topics: { topic: string; numPartitions?: number }[]): Promise<void> {
  // The broker's default is 6 partitions (infra/kafka/server.properties), as the test kit's.
  for (const t of topics) await createTestTopic(BROKERS, { name: t.topic, ...(t.numPartitions ? { partitions: t.numPartitions } : {}) });
}

/** One bench run's world: an events topic `<prefix>-<run>` (with its -dlq and -sums), a scratch database, the aggregator's settings. */
export interface BenchWorld {
  run: string;
  topic: string;
  db: FreshDatabase;
  /** The aggregator's environment for this run (its own group, topics and lake folder), plus `extra`. */
  aggregatorEnv(extra?: Record<string, string>): Record<string, string>;
  /** Where a process's log goes: `<tmp>/<topic>-<name>.log`. */
  logFile(name: string): string;
  /** Drops the database, the lake folder and the topics, and stops a Postgres this run started. */
  close(): Promise<void>;
}

export async function benchWorld(prefix: string, partitions: number, options: { eventsTopic?: boolean } = {}): Promise<BenchWorld> {
  const server = await scratchServer(log);
  const run = Date.now().toString(36);
  const topic = `${prefix}-${run}`;
  const db = await freshDatabase({ adminUrl: server.url });
  const lakeDir = mkdtempSync(join(tmpdir(), 'bench-lake-'));
  await createTopics([...(options.eventsTopic === false ? [] : [{ topic, numPartitions: partitions }]), { topic: `${topic}-dlq` }, { topic: `${topic}-sums`, numPartitions: partitions }]);
  return {
    run,
    topic,
    db,
    aggregatorEnv: (extra = {}) => ({
      ...process.env,
      LOG_LEVEL: 'warn',
      KAFKA_BROKERS: BROKERS.join(','),
      KAFKA_GROUP_ID: `${topic}-agg`,
      TOPIC_EVENTS: topic,
      TOPIC_DLQ: `${topic}-dlq`,
      TOPIC_PRODUCT_SUMS: `${topic}-sums`,
      DATABASE_URL: db.url,
      LAKE_DIR: lakeDir,
      OPS_PORT: '0',
      ...extra,
    }),
    logFile: (name) => join(tmpdir(), `${topic}-${name}.log`),
    close: async () => {
      await db.drop();
      rmSync(lakeDir, { recursive: true, force: true });
      await deleteTopicsStartingWith(BROKERS, [topic]).catch((err: Error) => log(`deleting ${topic}*: ${err.message}`));
      await server.stop();
    },
  };
}

/** The sum over partitions of a group's committed offsets on `topic` (0 where none). */
export async function committedOffsets(admin: ReturnType<ReturnType<typeof kafka>['admin']>, groupId: string, topic: string): Promise<number> {
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (t?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

/** The sum of the aggregator ledger's next offsets on `topic`: events whose flush committed. */
export async function ledgerOffsets(knex: Knex, topic: string): Promise<number> {
  const [row] = await knex(TABLES.ingestOffsets).where({ topic }).sum<{ s: string }[]>({ s: 'next_offset' });
  return Number(row?.s ?? 0);
}

const CHANNELS = ['web', 'app', 'store', 'marketplace'];

// Event ids unique across runs without a random draw per event (the filler's cost is per event).
const RUN_PREFIX = `b${randomBytes(4).toString('hex')}`;

/** One valid sale event (every field the validator requires; no lat/lon), as JSON. */
export function saleEventJson(i: number, productId: string, occurredAtMs: number, quantity = 1 + (i % 4)): string {
  return JSON.stringify({
    event_id: `${RUN_PREFIX}-${i}`,
    order_id: `o-${Math.floor(i / 3)}`,
    product_id: productId,
    quantity,
    unit_price_cents: 199 + ((i * 7919) % 20000),
    currency: 'USD',
    occurred_at: new Date(occurredAtMs).toISOString(),
    store_id: `s-${i % 50}`,
    user_id: `u-${(i * 31) % 100_000}`,
    channel: CHANNELS[i % 4],
  });
}

/**
 * The bad input of the benches' 1 %-bad form: the `k`-th bad message (k = 0, 1, …), one of a cycle
 * of 100 of mixed kinds and sizes: 1 of 400 KB, 4 of 64 KB and 15 of 5–16 KB (oversized:
 * MAX_EVENT_BYTES is 4 KiB; the 400 KB one is also cut to DLQ_MAX_VALUE_BYTES in the DLQ), then 80
 * small ones (cut-off JSON, a missing or unreadable `occurred_at`, an array, bytes that are not UTF-8).
 * The large ones are the start of an event followed by an unterminated string, so none is JSON.
 * Every one is refused by the aggregator (to the DLQ) and dropped by the Kafka Streams peer too (not
 * JSON, or no event time it can read): both pre-sums must still add up to the valid events alone.
 * About 670 KB per 100 bad messages. `reason` is what the aggregator's validator says.
 */
export function badEventValue(k: number, productId: string, occurredAtMs: number): { value: Buffer; reason: string } {
  const start = saleEventJson(1e12 + k, productId, occurredAtMs);
  // A permutation of 0..99 (37 is prime to 100): the large ones are spread over the cycle, so no
  // send packs several of them into one partition's record batch (the broker refuses > 1 MiB).
  const slot = (k * 37) % 100;
  const padded = (bytes: number) => Buffer.from(`${start.slice(0, -1)},"pad":"${'x'.repeat(Math.max(0, bytes - start.length - 7))}`);
  if (slot === 0) return { value: padded(400 * 1024), reason: 'oversized' };
  if (slot <= 4) return { value: padded(64 * 1024), reason: 'oversized' };
  if (slot <= 19) return { value: padded(5000 + ((k * 997) % 11_000)), reason: 'oversized' };
  const event = JSON.parse(start) as Record<string, unknown>;
  switch (slot % 5) {
    case 0:
      return { value: Buffer.from(start.slice(0, start.length >> 1)), reason: 'invalid_json' };
    case 1: {
      delete event['occurred_at'];
      return { value: Buffer.from(JSON.stringify(event)), reason: 'missing_field' };
    }
    case 2:
      return { value: Buffer.from(JSON.stringify({ ...event, occurred_at: 'yesterday' })), reason: 'invalid_timestamp' };
    case 3:
      return { value: Buffer.from(JSON.stringify([event])), reason: 'not_an_object' };
    default:
      return { value: Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x01, 0x80]), reason: 'invalid_json' };
  }
}

/**
 * Produces `events` sale events to `topic` (keyed by product, as producers do), `inFlight` sends of
 * `messagesPerSend` at a time (default 5,000, or 1,000 with bad input: a partition's record batch
 * stays below the broker's 1 MiB; the consumers read the record batches the sends made, so a clean
 * topic compared with a bad one is filled with the same). `productOf(i)` names
 * event i's product; event time advances over the last 5 minutes. With `badPercent` > 0, that share
 * of the messages (evenly spread: every (100 / badPercent)-th) is bad input instead (`badEventValue`).
 * Returns the units and revenue of the valid events it sent (what an exact pre-sum of the topic must
 * add up to) and how many bad ones it sent.
 */
export async function fill(
  topic: string,
  events: number,
  productOf: (i: number) => string,
  inFlight = 4,
  badPercent = 0,
  messagesPerSend = badPercent > 0 ? 1000 : 5000,
): Promise<{ units: number; revenueCents: number; bad: number }> {
  const producer = kafka().producer();
  await producer.connect();
  const now = Date.now();
  const badEvery = badPercent > 0 ? Math.max(1, Math.round(100 / badPercent)) : 0;
  // Every badEvery-th message from the middle of the first stride on; its bad index is i / badEvery.
  const badAt = (i: number) => badEvery > 0 && i % badEvery === badEvery >> 1;
  const perSend = badEvery > 0 ? Math.min(1000, messagesPerSend) : messagesPerSend;
  let next = 0;
  let lastReport = 0;
  const totals = { units: 0, revenueCents: 0, bad: 0 };
  const worker = async () => {
    while (next < events) {
      const from = next;
      const n = Math.min(perSend, events - from);
      next += n;
      const messages = Array.from({ length: n }, (_, j) => {
        const i = from + j;
        const product = productOf(i);
        const occurredAtMs = now - 300_000 + Math.floor((i / events) * 300_000);
        if (badAt(i)) {
          totals.bad++;
          return { key: product, value: badEventValue(Math.floor(i / badEvery), product, occurredAtMs).value };
        }
        const value = saleEventJson(i, product, occurredAtMs);
        const sale = JSON.parse(value) as { quantity: number; unit_price_cents: number };
        totals.units += sale.quantity;
        totals.revenueCents += sale.quantity * sale.unit_price_cents;
        return { key: product, value };
      });
      await producer.send({ topic, acks: -1, messages });
      if (next - lastReport >= events / 10) {
        lastReport = next;
        log(`fill ${next.toLocaleString('en')}/${events.toLocaleString('en')}`);
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  await producer.disconnect();
  return totals;
}

/** Prints a bench's result as JSON, and writes it to the --json FILE when one was given. */
export function printResult(result: object, jsonFile: string | undefined): void {
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (jsonFile) writeFileSync(jsonFile, JSON.stringify(result));
}

export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;

/** Wall ms and CPU µs (user + system, all threads of this process) of a phase. */
export interface Phase {
  ms: number;
  cpuUs: number;
}

export const cpuNowUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/**
 * Connects and subscribes `consumer` from the beginning of `topic`; the returned clock gives the wall
 * and CPU time since it first joined its group (a phase is timed from there, not from connect).
 */
export async function joinAndSubscribe(consumer: Consumer, topic: string): Promise<() => Phase> {
  let joinedAt = 0;
  let joinedCpuUs = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    if (joinedAt) return;
    joinedAt = performance.now();
    joinedCpuUs = cpuNowUs();
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  return () => ({ ms: performance.now() - joinedAt, cpuUs: cpuNowUs() - joinedCpuUs });
}

/**
 * The decode floor on any input: a kafkajs consumer with the aggregator's settings reading `events`
 * messages of `topic` from the beginning and `JSON.parse`-ing every value the validator would parse
 * (values over `maxBytes` are refused unread, as the validator refuses them; a parse error is
 * caught). `decode: false`: the bare consumer, which parses nothing. Timed from its group join to the
 * last message, in this process (the caller idles meanwhile).
 */
export async function decodeFloor(topic: string, events: number, options: { decode?: boolean; maxBytes?: number } = {}): Promise<Phase & { parsed: number }> {
  const decode = options.decode ?? true;
  const maxBytes = options.maxBytes ?? 4096;
  const consumer = kafka().consumer({
    groupId: `bench-floor-${randomBytes(4).toString('hex')}`,
    sessionTimeout: 30_000,
    rebalanceTimeout: 60_000,
    heartbeatInterval: 3000,
    ...AGGREGATOR_FETCH,
    allowAutoTopicCreation: false,
  });
  const sinceJoin = await joinAndSubscribe(consumer, topic);
  let count = 0;
  let parsed = 0;
  let done!: (phase: Phase) => void;
  const finished = new Promise<Phase>((r) => (done = r));
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: PARTITIONS_CONSUMED_CONCURRENTLY,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      for (const m of decode ? batch.messages : []) {
        if (m.value === null || m.value.length > maxBytes) continue;
        try {
          if ((JSON.parse(m.value.toString()) as { quantity?: unknown }).quantity !== undefined) parsed++;
        } catch {
          // refused as invalid JSON: the parse was the cost
        }
      }
      count += batch.messages.length;
      const last = batch.messages[batch.messages.length - 1];
      if (last) resolveOffset(last.offset);
      if (count >= events) done(sinceJoin());
      await heartbeat();
    },
  });
  const phase = await finished;
  await consumer.disconnect();
  if (decode && parsed === 0) throw new Error('decode floor parsed nothing');
  return { ...phase, parsed };
}
