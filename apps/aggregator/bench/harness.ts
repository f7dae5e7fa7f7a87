/**
 * What the process-level benches of issue 15 share (streams-peer.ts, freshness.ts, rss-distinct.ts):
 * a scratch database with the migrations, topics, a fast event filler, the real apps started as
 * machines run them (their main.ts in a child process), their RSS, and the ledger's progress.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { Client } from 'pg';
import { createDb } from '@hitboard/db-client';
import { migrateLatest, startEmbeddedPostgres } from '@hitboard/db';
import { createKafka } from '@hitboard/kafka';
import { brokersFromEnv } from '@hitboard/runtime';
import { TABLES } from '@hitboard/schema';

export const ROOT = resolve(__dirname, '../../..');
export const BROKERS = brokersFromEnv();
export const log = (msg: string) => process.stderr.write(`${msg}\n`);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number ≥ 0, got ${process.argv[i + 1]}`);
  return value;
}
export const flag = (name: string) => process.argv.includes(`--${name}`);
export function jsonFileArg(): string | undefined {
  const i = process.argv.indexOf('--json');
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** DATABASE_URL (an admin URL) or an embedded Postgres this process starts; `stop` stops only what it started. */
export async function adminDatabase(): Promise<{ url: string; stop: () => Promise<void> }> {
  const url = process.env['DATABASE_URL'];
  if (url) return { url, stop: async () => undefined };
  log('starting an embedded Postgres…');
  const pg = await startEmbeddedPostgres({ dataDir: mkdtempSync(join(tmpdir(), 'bench-pg-')), persistent: false, durable: false });
  return { url: pg.url, stop: () => pg.stop() };
}

/** A fresh database on the admin URL's server, migrated; `drop` removes it. */
export async function scratchDatabase(adminUrl: string, prefix: string): Promise<{ url: string; knex: Knex; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const knex = createDb(url.toString(), { pool: { max: 2 } });
  await migrateLatest(knex);
  return {
    url: url.toString(),
    knex,
    drop: async () => {
      await knex.destroy();
      const again = new Client({ connectionString: adminUrl });
      await again.connect();
      await again.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}

export const kafka = () => createKafka({ brokers: BROKERS, clientId: 'bench-harness', logLevel: 'error' });

export async function createTopics(topics: { topic: string; numPartitions?: number }[]): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: topics.map((t) => ({ ...t, replicationFactor: 1 })) });
  await admin.disconnect();
}

/** Deletes every topic whose name starts with one of `prefixes` (this run's topics and the peer's internal ones). */
export async function deleteTopics(prefixes: string[]): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => prefixes.some((p) => t.startsWith(p)));
  if (topics.length > 0) await admin.deleteTopics({ topics }).catch((err: Error) => log(`deleting ${topics.join(', ')}: ${err.message}`));
  await admin.disconnect();
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

/** An app's main.ts started as a machine runs it (node + tsx, its own environment); output to `logFile`. */
export function startApp(entry: string, env: Record<string, string>, logFile: string): ChildProcess {
  const out = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(ROOT, entry)], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  return child;
}

/** SIGTERM (graceful: flush, leave the group), SIGKILL after `timeoutMs`; resolves when it is gone. */
export async function stopChild(child: ChildProcess, timeoutMs = 40_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/** Resident set size of a live process (Linux /proc), in MiB; 0 once it is gone. */
export function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Rejects when `child` exits before `work` settles (an app that died must not leave the bench polling). */
export function unlessExits<T>(child: ChildProcess, name: string, logFile: string, work: Promise<T>): Promise<T> {
  return Promise.race([
    work,
    new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) => reject(new Error(`${name} exited (${code ?? signal}) before the bench was done; see ${logFile}`))),
    ),
  ]);
}

/** The aggregator's environment for one run: its own group, topics and lake folder. */
export function aggregatorEnv(topic: string, databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: BROKERS.join(','),
    KAFKA_GROUP_ID: `${topic}-agg`,
    TOPIC_EVENTS: topic,
    TOPIC_DLQ: `${topic}-dlq`,
    TOPIC_PRODUCT_SUMS: `${topic}-sums`,
    DATABASE_URL: databaseUrl,
    LAKE_DIR: mkdtempSync(join(tmpdir(), 'bench-lake-')),
    OPS_PORT: '0',
    ...extra,
  };
}

export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
