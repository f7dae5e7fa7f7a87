/**
 * Issue 29 (3): a stop is bounded whatever is unreachable, the broker included. An aggregator (its
 * real main.ts, a child process) on the three-broker cluster buffers sales; every broker is killed -9;
 * SIGTERM. Its shutdown flush cannot publish and leaving the group cannot reach a coordinator: it must
 * still exit 0 within its stop bound, say what it could not finish (the flush, the Kafka clients), and
 * lose nothing: with the cluster back, the next owner writes every sale to the lake exactly once.
 *
 * Red with the Kafka clients' release bounded by 30 s each (as SHUTDOWN_TIMEOUT_MS bounded it before):
 * runService's bound ended the process (exit 1, "stop bound reached") before it had said goodbye.
 *
 * Heavy (the cluster's three JVMs, all restarted): runs with HITBOARD_CHAOS=1, in the chaos CI step.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLakeSums } from '@hitboard/lake';
import { ACKS_ALL, createKafka, createProducer } from '@hitboard/kafka';
import type { SaleEvent } from '@hitboard/schema';
import { freshDatabase, startAppProcess, waitFor, waitForIngestCaughtUp, type AppProcess, type FreshDatabase } from '@hitboard/testkit';
import { comparableSums, sumsByHourAndProduct } from '@hitboard/testkit/lake-sums';
import { Cluster } from '../src/infra';
import { ROOT } from '../src/processes';

const enabled = process.env['HITBOARD_CHAOS'] === '1';
const maybe = enabled ? describe : describe.skip;

/** A fixed past hour: history is late, not bad, and the test never depends on today's date. */
const HOUR = Date.parse('2026-03-02T05:00:00Z');
const SALES = 300;

maybe('an aggregator stops within its bound with every broker gone', () => {
  jest.setTimeout(8 * 60_000);
  const cluster = new Cluster({ ...process.env, KAFKA_CLUSTER_DIR: process.env['KAFKA_CLUSTER_DIR'] ?? join(ROOT, '.data/cluster') });
  const suffix = `${process.pid}-${Math.floor(Math.random() * 1e9).toString(36)}`;
  const topics = { events: `stop-bound.events.${suffix}`, dlq: `stop-bound.dlq.${suffix}`, sums: `stop-bound.sums.${suffix}` };
  let brokers: string[];
  let db: FreshDatabase;
  const lakeDir = mkdtempSync(join(tmpdir(), 'stop-bound-lake-'));
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    await cluster.start();
    brokers = cluster.bootstrap();
    db = await freshDatabase();
    const admin = createKafka({ brokers, clientId: 'stop-bound', logLevel: 'nothing' }).admin();
    await admin.connect();
    const configEntries = [{ name: 'min.insync.replicas', value: '2' }];
    await admin.createTopics({
      waitForLeaders: false,
      topics: [
        { topic: topics.events, numPartitions: 3, replicationFactor: 3, configEntries },
        { topic: topics.dlq, numPartitions: 1, replicationFactor: 3, configEntries: [...configEntries, { name: 'cleanup.policy', value: 'compact' }] },
        { topic: topics.sums, numPartitions: 3, replicationFactor: 3, configEntries },
      ],
    });
    await waitFor(
      'every partition to have a leader',
      async () => {
        const meta = await admin.fetchTopicMetadata({ topics: Object.values(topics) }).catch(() => null);
        return meta !== null && meta.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
      },
      60_000,
      250,
    );
    await admin.disconnect();
  });

  afterAll(async () => {
    for (const app of apps) await app.stop();
    await cluster.start(); // whole again for the specs that follow
    await db?.drop();
  });

  const aggregator = (name: string, extra: Record<string, string>) => {
    const app = startAppProcess({
      name,
      cwd: join(ROOT, 'apps/aggregator'),
      args: ['src/main.ts'],
      env: {
        PATH: process.env['PATH'],
        KAFKA_BROKERS: brokers.join(','),
        KAFKA_GROUP_ID: `stop-bound.${suffix}`,
        TOPIC_EVENTS: topics.events,
        TOPIC_DLQ: topics.dlq,
        TOPIC_PRODUCT_SUMS: topics.sums,
        DATABASE_URL: db.url,
        LAKE_DIR: lakeDir,
        KAFKA_SESSION_TIMEOUT_MS: '30000',
        OPS_PORT: '0',
        LOG_LEVEL: 'info',
        ...extra,
      },
      keepLines: 4000,
    });
    apps.push(app);
    return app;
  };

  it('exits 0 within the bound, says what it could not finish, and the next owner loses nothing', async () => {
    const sales: SaleEvent[] = Array.from({ length: SALES }, (_, i) => ({
      event_id: `stop-bound-${suffix}-${i}`,
      order_id: `o-${i}`,
      product_id: `p-${(i * 7919) % 40}`,
      quantity: 1 + (i % 5),
      unit_price_cents: 100 + ((i * 37) % 5000),
      currency: 'USD',
      occurred_at: new Date(HOUR + ((i * 61_000) % 3_600_000)).toISOString(),
      store_id: `s-${i % 9}`,
      user_id: `u-${i % 101}`,
      channel: 'web',
    }));
    const kafka = createKafka({ brokers, clientId: 'stop-bound-producer', logLevel: 'nothing' });
    const producer = createProducer(kafka, { allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic: topics.events, acks: ACKS_ALL, messages: sales.map((e) => ({ key: e.product_id, value: JSON.stringify(e) })) });
    await producer.disconnect();

    // No flush before the stop (FLUSH_INTERVAL_MS 10 min): the shutdown flush holds every sale.
    const first = aggregator('aggregator (every broker killed)', { FLUSH_INTERVAL_MS: '600000', STOP_BOUND_MS: '8000' });
    await waitFor('the sales to be buffered', async () => {
      const port = /"opsPort":(\d+)/.exec(first.output())?.[1];
      if (!port) return false;
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => null))?.text();
      return [...(text ?? '').matchAll(/^hitboard_aggregator_events_in_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0) === SALES;
    }, 120_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${first.output().split('\n').slice(-40).join('\n')}`);
    });

    for (const node of [1, 2, 3]) cluster.kill(node);
    void first.stop();
    const exit = await first.finished();
    const log = first.output();
    expect({ exit, boundReached: log.includes('stop bound reached') }).toEqual({ exit: { code: 0, signal: null }, boundReached: false });
    // What it could not finish: the shutdown flush (given up at STOP_BOUND_MS − 4 s), and leaving the group.
    expect(log).toMatch(/"timedOut":true,"timeoutMs":4000,"msg":"shutdown: not every partition flushed/);
    expect(log).toMatch(/"what":"consumer \(leave the group\)","msg":"shutdown: could not release a Kafka client"/);

    await cluster.start();
    const next = aggregator('next owner', { FLUSH_INTERVAL_MS: '300', KAFKA_SESSION_TIMEOUT_MS: '6000' });
    await waitForIngestCaughtUp(db.knex, kafka, topics.events);
    expect(comparableSums(await readLakeSums(db.knex, lakeDir))).toEqual(comparableSums(sumsByHourAndProduct(sales)));
    await next.stop();
  });
});
