import { describeWithKafka, flushOf, unitsByWindow, unique, useScenario, waitForCheckpoints } from './support';

describeWithKafka('windows roll over at local hour and day boundaries', () => {
  const s = useScenario();

  it('splits 18:29 and 18:31 UTC into different hours, days and weeks in Asia/Kolkata', async () => {
    const topic = await s.topic(2);
    // 2026-11-22 18:30 UTC is Monday 2026-11-23 00:00 IST: a new hour, day and ISO week at once.
    await s.publish(
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
    const run = await s.start(topic, unique('g'), { zone: 'Asia/Kolkata' });
    await waitForCheckpoints(s.db.knex, s.kafka, topic);
    await run.stop();
    expect(await unitsByWindow(s.db.knex, 'hour')).toEqual({
      '2026-11-22T17:30:00.000Z': { a: 1, b: 2 },
      '2026-11-22T18:30:00.000Z': { a: 10, b: 20 },
    });
    expect(await unitsByWindow(s.db.knex, 'day')).toEqual({
      '2026-11-21T18:30:00.000Z': { a: 1, b: 2 },
      '2026-11-22T18:30:00.000Z': { a: 10, b: 20 },
    });
    expect(await unitsByWindow(s.db.knex, 'week')).toEqual({
      '2026-11-15T18:30:00.000Z': { a: 1, b: 2 },
      '2026-11-22T18:30:00.000Z': { a: 10, b: 20 },
    });
    expect(await unitsByWindow(s.db.knex, 'month')).toEqual({ '2026-10-31T18:30:00.000Z': { a: 11, b: 22 } });
  });
});
