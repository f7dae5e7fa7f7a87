import { clock } from '@hitboard/runtime';
import { TABLES } from '@hitboard/schema';
import { describeWithKafka, flushOf, unitsByWindow, unique, useScenario, waitFor, waitForCheckpoints } from './support';

const H7 = Date.parse('2026-11-22T07:00:00Z');
const H8 = Date.parse('2026-11-22T08:00:00Z');

describeWithKafka('windows covered by the batch layer are dropped', () => {
  const s = useScenario();

  it('removes a covered hour from speed_table and its checkpoint, and ignores late records for it', async () => {
    const topic = await s.topic(2);
    await s.publish(
      topic,
      flushOf(0, 0, 9, [
        { productId: 'a', minuteStartMs: H7 + 5 * 60_000, units: 3 },
        { productId: 'b', minuteStartMs: H8 + 5 * 60_000, units: 4 },
      ]),
    );
    const run = await s.start(topic, unique('g'));
    await waitForCheckpoints(s.db.knex, s.kafka, topic);
    expect(Object.keys(await unitsByWindow(s.db.knex, 'hour')).sort()).toEqual([new Date(H7).toISOString(), new Date(H8).toISOString()]);

    await s.db.knex(TABLES.rollupRuns).insert({ interval: 'hour', window_start: new Date(H7), status: 'succeeded', finished_at: clock.date() });
    await waitFor('the covered hour to leave speed_table and the checkpoint', async () => {
      // No row of any channel.
      const speed = await s.db.knex(TABLES.speedTable).where({ interval: 'hour', window_start: new Date(H7) }).count<[{ count: bigint }]>({ count: '*' });
      const blobs = await s.db.knex('speed_checkpoint_windows').where({ interval: 'hour', window_start: new Date(H7) }).count<[{ count: bigint }]>({ count: '*' });
      return speed[0]?.count === 0n && blobs[0]?.count === 0n;
    });

    // Late data for the covered hour belongs to the batch layer now; the open hour still updates.
    await s.publish(
      topic,
      flushOf(0, 10, 19, [
        { productId: 'a', minuteStartMs: H7 + 50 * 60_000, units: 100 },
        { productId: 'b', minuteStartMs: H8 + 6 * 60_000, units: 1 },
      ]),
    );
    await waitForCheckpoints(s.db.knex, s.kafka, topic);
    await run.stop();
    expect(await unitsByWindow(s.db.knex, 'hour')).toEqual({ [new Date(H8).toISOString()]: { b: 5 } });
    expect((await unitsByWindow(s.db.knex, 'day'))['2026-11-22T00:00:00.000Z']).toEqual({ a: 103, b: 5 });
  });
});
