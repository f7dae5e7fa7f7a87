/**
 * Issue 29: a stop is bounded with the broker unreachable. The real main.ts (a child process) runs on a
 * broker of the test's own, which is frozen (SIGSTOP: connections stay open, nothing answers) before
 * SIGTERM. The last checkpoint still goes to Postgres; leaving the group cannot: the stop must give up
 * on it, say so, and exit 0 within its bound. With the broker back, the next start resumes from the
 * checkpoint and every record is counted once, as the truth says.
 */
import type { Kafka, Producer } from 'kafkajs';
import { createKafka } from '@hitboard/kafka';
import { encodeProductSum, type ProductSum } from '@hitboard/schema';
import { createTestTopic, describeKafka, startScratchKafka, type AppProcess, type ScratchKafka } from '@hitboard/testkit';
import { oneRecordFlushes, startStoppableMain, unique, unitsByWindow, unitsOf, useScenario, waitForCheckpoints } from './support';

describeKafka('a stop is bounded with the broker gone', () => {
  const s = useScenario();
  let broker: ScratchKafka;
  let kafka: Kafka;
  let producer: Producer;
  const apps: AppProcess[] = [];
  beforeAll(async () => {
    broker = await startScratchKafka();
    kafka = createKafka({ brokers: broker.brokers, clientId: unique('speed-stop-test'), logLevel: 'nothing' });
    producer = kafka.producer();
    await producer.connect();
  }, 300_000);
  afterAll(async () => {
    await producer?.disconnect();
    await broker?.destroy();
  }, 120_000);
  afterEach(async () => void (await Promise.all(apps.splice(0).map((a) => a.stop()))));

  const records = oneRecordFlushes(40);
  const publish = (topic: string, sums: ProductSum[]) => producer.send({ topic, messages: sums.map((r) => ({ key: r.productId, value: encodeProductSum(r) })) });

  it('SIGTERM with the broker frozen: writes the checkpoint, gives up leaving, exits 0 within the bound; the next start counts every record once', async () => {
    const topic = await createTestTopic(broker.brokers, { partitions: 2, prefix: 'speed-sums' });
    const group = unique('speed-stop');
    const start = (name: string) =>
      // 6 s session: the frozen-out member is dropped 6 s after the broker is back
      startStoppableMain(apps, name, { brokers: broker.brokers, databaseUrl: s.db.url, topic, groupId: group, sessionTimeoutMs: 6000 });

    const first = start('stopped while the broker is frozen');
    await publish(topic, records.slice(0, 20));
    await waitForCheckpoints(s.db.knex, kafka, topic, 60_000);
    broker.freeze();
    try {
      await first.stop();
      expect(await first.finished()).toEqual({ code: 0, signal: null });
      expect(first.output()).not.toMatch(/stop bound reached/);
      expect(first.output()).toMatch(/could not leave the group in time/);
    } finally {
      broker.thaw();
    }

    await publish(topic, records.slice(20));
    const next = start('next start');
    await waitForCheckpoints(s.db.knex, kafka, topic, 90_000);
    expect(await unitsByWindow(s.db.knex, 'hour')).toEqual({ '2026-11-22T07:00:00.000Z': unitsOf(records) });
    await next.stop();
    expect(await next.finished()).toEqual({ code: 0, signal: null });
  }, 180_000);
});
