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
import type { Knex } from 'knex';
import { createKafka } from '@hitboard/kafka';
import { brokersFromEnv } from '@hitboard/runtime';
import { TABLES } from '@hitboard/schema';
import { createTestTopic, deleteTopicsStartingWith, freshDatabase, scratchServer, type FreshDatabase } from '@hitboard/testkit';

export { REPO_ROOT as ROOT } from '@hitboard/runtime';
export const BROKERS = brokersFromEnv();
export const log = (msg: string) => process.stderr.write(`${msg}\n`);

/**
 * A bench's command line (node:util parseArgs): `--help`/`-h` prints `usage` and exits; `--quick`,
 * `--json FILE`, the boolean `flags`, and one `--name N` (a number ≥ 0) per key of `numbers`, whose
 * value is its default, or [default, default with --quick].
 */
export function benchArgs<N extends string>(
  usage: string,
  numbers: Record<N, number | readonly [number, number]>,
  flags: readonly string[] = [],
): { quick: boolean; json: string | undefined; flags: Record<string, boolean>; n: Record<N, number> } {
  const names = Object.keys(numbers) as N[];
  const { values: parsed } = parseArgs({
    options: {
      help: { type: 'boolean', short: 'h' },
      quick: { type: 'boolean' },
      json: { type: 'string' },
      ...Object.fromEntries(flags.map((f) => [f, { type: 'boolean' as const }])),
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
  return { quick, json: values.json as string | undefined, flags: Object.fromEntries(flags.map((f) => [f, values[f] === true])), n };
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
 * Produces `events` sale events to `topic` (keyed by product, as producers do), `inFlight` sends of
 * 5,000 at a time. `productOf(i)` names event i's product; event time advances over the last 5 minutes.
 * Returns the units and revenue it sent (what an exact pre-sum of the topic must add up to).
 */
export async function fill(topic: string, events: number, productOf: (i: number) => string, inFlight = 4): Promise<{ units: number; revenueCents: number }> {
  const producer = kafka().producer();
  await producer.connect();
  const now = Date.now();
  let next = 0;
  let lastReport = 0;
  const totals = { units: 0, revenueCents: 0 };
  const worker = async () => {
    while (next < events) {
      const from = next;
      const n = Math.min(5000, events - from);
      next += n;
      const messages = Array.from({ length: n }, (_, j) => {
        const i = from + j;
        const product = productOf(i);
        const value = saleEventJson(i, product, now - 300_000 + Math.floor((i / events) * 300_000));
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
