import type { Kafka, Producer } from 'kafkajs';
import { freshDatabase, type FreshDatabase } from '@hitboard/testkit';
import { createTopic, describeWithKafka, flushOf, publish, startInProcess, testKafka, unitsByWindow, unique, waitForCheckpoints } from './support';

describeWithKafka('windows roll over at local hour and day boundaries', () => {
  let db: FreshDatabase;
  let kafka: Kafka;
  let producer: Producer;
  beforeEach(async () => {
    db = await freshDatabase();
    kafka = testKafka();
    producer = kafka.producer();
    await producer.connect();
  });
  afterEach(async () => {
    await producer.disconnect();
    await db.drop();
  });

  it('splits 18:29 and 18:31 UTC into different hours, days and weeks in Asia/Kolkata', async () => {
    const topic = await createTopic(kafka, 2);
    // 2026-11-22 18:30 UTC is Monday 2026-11-23 00:00 IST: a new hour, day and ISO week at once.
    await publish(
      producer,
      topic,
      flushOf(0, 0, 9, [
        { productId: 'a', minuteStartMs: Date.parse('2026-11-22T18:29:00Z'), units: 1 },
        { productId: 'b', minuteStartMs: Date.parse('2026-11-22T18:29:00Z'), units: 2 },
      ]),
      flushOf(0, 10, 19, [
        { productId: 'a', minuteStartMs: Date.parse('2026-11-22T18:31:00Z'), units: 10 },
        { productId: 'b', minuteStartMs: Date.parse('2026-11-22T18:31:00Z'), units: 20 },
      ]),
    );
    const run = await startInProcess(db.knex, topic, unique('g'), { zone: 'Asia/Kolkata' });
    try {
      await waitForCheckpoints(db.knex, kafka, topic);
    } finally {
      await run.stop();
    }
    expect(await unitsByWindow(db.knex, 'hour')).toEqual({
      '2026-11-22T17:30:00.000Z': { a: 1, b: 2 },
      '2026-11-22T18:30:00.000Z': { a: 10, b: 20 },
    });
    expect(await unitsByWindow(db.knex, 'day')).toEqual({
      '2026-11-21T18:30:00.000Z': { a: 1, b: 2 },
      '2026-11-22T18:30:00.000Z': { a: 10, b: 20 },
    });
    expect(await unitsByWindow(db.knex, 'week')).toEqual({
      '2026-11-15T18:30:00.000Z': { a: 1, b: 2 },
      '2026-11-22T18:30:00.000Z': { a: 10, b: 20 },
    });
    expect(await unitsByWindow(db.knex, 'month')).toEqual({ '2026-10-31T18:30:00.000Z': { a: 11, b: 22 } });
  });
});
