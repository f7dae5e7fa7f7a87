/**
 * The import CLI takes its topic from the deployment's settings (TOPIC_EVENTS, as every app reads
 * it), so an import into a deployment with its own topic names lands where the aggregator reads,
 * not in the default `sales.events`. Real CLI process, real Kafka, real Postgres.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestTopic, deleteTestTopics, describeKafka, freshDatabase, topicMessageCount, type FreshDatabase } from '@hitboard/testkit';

const CLI = resolve(__dirname, '../src/cli.ts');
const ROWS = [
  'event_id,order_id,product_id,quantity,unit_price_cents,currency,occurred_at,store_id,user_id,channel',
  ...Array.from({ length: 3 }, (_, i) => `topic-${i},o-${i},P${i},1,100,USD,2026-11-20T10:00:00.000Z,s,u,web`),
];

describeKafka('import CLI topic', (brokers) => {
  let db: FreshDatabase;
  let dir: string;
  let topic: string;
  beforeAll(async () => {
    db = await freshDatabase();
    dir = mkdtempSync(join(tmpdir(), 'hb-import-topic-'));
    topic = await createTestTopic(brokers, { prefix: 'prod.events', partitions: 2 });
  });
  afterAll(async () => {
    await deleteTestTopics(brokers, [topic]);
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends to TOPIC_EVENTS when no --topic is given', async () => {
    const file = join(dir, 'export.csv');
    writeFileSync(file, `${ROWS.join('\n')}\n`);
    const run = spawnSync(process.execPath, ['--require', 'tsx/cjs', CLI, file], {
      env: { ...process.env, DATABASE_URL: db.url, KAFKA_BROKERS: brokers.join(','), TOPIC_EVENTS: topic },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    expect(run.stdout).toMatch(/sent to Kafka\s+3/);
    expect(await topicMessageCount(brokers, topic)).toBe(3);
  }, 180_000);
});
