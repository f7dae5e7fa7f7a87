import { clock } from '@hitboard/runtime';
/**
 * Import through the live path, end to end on real parts: a real broker, a fresh real Postgres, a
 * real aggregator process writing a temp lake. A CSV mixing good rows, refused rows and rows for a
 * day the lake already holds is imported with a crash after a batch reached Kafka (its ack never
 * recorded), resumed, then imported again: the lake ends with the earlier sales plus every good
 * row exactly once, the reject file names each bad line and why, the repeat sends nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { createKafka } from '@hitboard/kafka';
import { readLakeSums } from '@hitboard/lake';
import { TABLES, type SaleEvent } from '@hitboard/schema';
import { describeKafka, freshDatabase, startApp, waitForIngestCaughtUp, type AppProcess, type FreshDatabase } from '@hitboard/testkit';
import { comparableSums, sumsByHourAndProduct } from '@hitboard/testkit/lake-sums';
import { runImport, type KeyedMessage } from '../src';

const DAY = Date.parse('2026-11-20T00:00:00Z');

const event = (i: number, overrides: Partial<SaleEvent> = {}): SaleEvent => ({
  event_id: `imp-${i}`,
  order_id: `o-${Math.floor(i / 3)}`,
  product_id: `P${i % 7}`,
  quantity: 1 + (i % 4),
  unit_price_cents: 199 + (i % 11) * 100,
  currency: 'USD',
  occurred_at: new Date(DAY + ((i * 7 * 60_000) % (2 * 86_400_000))).toISOString(), // two days, every hour
  store_id: `s-${i % 5}`,
  user_id: `u-${i % 13}`,
  channel: 'store',
  ...overrides,
});

const COLUMNS = ['event_id', 'order_id', 'product_id', 'quantity', 'unit_price_cents', 'currency', 'occurred_at', 'store_id', 'user_id', 'channel', 'lat', 'lon'] as const;
const csvLine = (e: object) => COLUMNS.map((c) => ((e as Record<string, unknown>)[c] === undefined ? '' : String((e as Record<string, unknown>)[c]))).join(',');

describeKafka('import', (brokers) => {
  jest.setTimeout(300_000);
  const suffix = `${clock.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const topics = { events: `imp-events-${suffix}`, dlq: `imp-dlq-${suffix}`, sums: `imp-sums-${suffix}` };
  let kafka: Kafka;
  let db: FreshDatabase;
  let dir: string;
  let aggregator: AppProcess | undefined;

  beforeAll(async () => {
    kafka = createKafka({ brokers, clientId: 'import-test', logLevel: 'error' });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: topics.events, numPartitions: 3, replicationFactor: 1 },
        { topic: topics.dlq, numPartitions: 1, replicationFactor: 1 },
        { topic: topics.sums, numPartitions: 1, replicationFactor: 1 },
      ],
    });
    await admin.disconnect();
    db = await freshDatabase();
    dir = mkdtempSync(join(tmpdir(), 'import-'));
    aggregator = startApp(
      'aggregator',
      {
        PATH: process.env['PATH'],
        KAFKA_BROKERS: brokers.join(','),
        KAFKA_GROUP_ID: `imp-${suffix}`,
        TOPIC_EVENTS: topics.events,
        TOPIC_DLQ: topics.dlq,
        TOPIC_PRODUCT_SUMS: topics.sums,
        DATABASE_URL: db.url,
        LAKE_DIR: join(dir, 'lake'),
        FLUSH_INTERVAL_MS: '300',
        KAFKA_SESSION_TIMEOUT_MS: '6000',
        OPS_PORT: '0',
      },
      { keepLines: 50 },
    );
  });

  afterAll(async () => {
    await aggregator?.kill();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const ledgerCaughtUp = () => waitForIngestCaughtUp(db.knex, kafka, topics.events);

  it('lands every good row in the lake exactly once across a crash, a resume and a repeat; refuses each bad row with its line and reason', async () => {
    try {
      // Sales the lake already holds for the first day (as if rolled up already).
      const earlier = Array.from({ length: 60 }, (_, i) => event(1000 + i));
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: topics.events, acks: -1, messages: earlier.map((e) => ({ key: e.product_id, value: JSON.stringify(e) })) });
      await producer.disconnect();
      await ledgerCaughtUp();

      // The export: 120 good rows over both days (some for hours the lake already has), and bad rows.
      const good = Array.from({ length: 120 }, (_, i) => event(i, i % 10 === 0 ? { lat: 40.5, lon: -73.9 } : {}));
      const lines: string[] = [COLUMNS.join(',')];
      const expectedRejects: Array<{ line: number; reason: string }> = [];
      const bad = (row: string, reason: string) => {
        lines.push(row);
        expectedRejects.push({ line: lines.length, reason });
      };
      good.forEach((e, i) => {
        lines.push(csvLine(e));
        if (i === 10) bad(csvLine({ ...event(500), quantity: 'two' }), 'wrong_type');
        if (i === 20) bad(csvLine({ ...event(501), quantity: -1 }), 'invalid_quantity');
        if (i === 30) bad(csvLine({ ...event(502), currency: 'EUR' }), 'unknown_currency');
        if (i === 40) bad(csvLine({ ...event(503), product_id: undefined }), 'missing_field');
        if (i === 50) bad(csvLine({ ...event(504), occurred_at: '2026-11-20T10:00:00' }), 'invalid_timestamp');
        if (i === 60) bad(csvLine(event(7)), 'duplicate_event_id'); // the same event_id as row 8
        if (i === 70) bad(`${csvLine(event(505))},surplus`, 'malformed_row');
      });
      const file = join(dir, 'history.csv');
      writeFileSync(file, `${lines.join('\n')}\n`);
      const rejectsPath = join(dir, 'history.rejects.ndjson');

      const producerForImport = kafka.producer({ allowAutoTopicCreation: false });
      await producerForImport.connect();
      const realSend = async (messages: KeyedMessage[]) => void (await producerForImport.send({ topic: topics.events, acks: -1, messages }));
      const common = { path: file, databaseUrl: db.url, topic: topics.events, rejectsPath, batchSize: 25 };

      // 1. Crash: the third batch reaches Kafka, the process dies before its ack is recorded.
      let batches = 0;
      await expect(
        runImport({
          ...common,
          send: async (m) => {
            await realSend(m);
            if (++batches === 3) throw new Error('killed after the send');
          },
        }),
      ).rejects.toThrow('killed');
      const crashed = await db.knex(TABLES.imports).first();
      expect(crashed).toMatchObject({ status: 'failed' });
      expect(Number(crashed.next_row)).toBeGreaterThan(0);

      // 2. Resume: re-reads everything, sends from the recorded row on (the in-flight batch again).
      let resent = 0;
      const resumed = await runImport({ ...common, send: async (m) => ((resent += m.length), realSend(m)) });
      expect(resumed).toMatchObject({ outcome: 'resumed', rowsSent: 120, rowsRejected: 7 });
      expect(resumed.resumedFromRow).toBe(Number(crashed.next_row));
      expect(resent).toBeGreaterThan(120 - 75); // at least everything after the crashed batch was sent now

      // 3. The same file again: skipped, nothing produced.
      const before = await ledgerCaughtUp();
      let sentAgain = 0;
      const repeat = await runImport({ ...common, send: async (m) => void (sentAgain += m.length) });
      expect(repeat.outcome).toBe('skipped');
      expect(sentAgain).toBe(0);
      await producerForImport.disconnect();

      // The lake: earlier sales plus each good row once (the re-sent batch dropped by event_id).
      expect(await ledgerCaughtUp()).toBe(before); // the repeat produced nothing
      const lake = await readLakeSums(db.knex, join(dir, 'lake'));
      expect(comparableSums(lake)).toEqual(comparableSums(sumsByHourAndProduct([...earlier, ...good])));

      const rejects = readFileSync(rejectsPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { line: number; reason: string; message: string });
      expect(rejects.map(({ line, reason }) => ({ line, reason }))).toEqual(expectedRejects);
      expect(rejects.every((r) => r.message.length > 0)).toBe(true);
      const record = await db.knex(TABLES.imports).first();
      expect(record).toMatchObject({ status: 'completed', rows_sent: 120n, rows_rejected: 7n, attempts: 2 });
      expect(record.units).toBe(good.reduce((s, e) => s + BigInt(e.quantity), 0n));
    } catch (err) {
      process.stderr.write(`--- aggregator output ---\n${aggregator?.lines().slice(-40).join('\n')}\n`);
      throw err;
    }
  });
});
