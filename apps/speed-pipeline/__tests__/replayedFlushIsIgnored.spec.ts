import { describeWithKafka, flushOf, unitsByWindow, unique, useScenario, waitForCheckpoints } from './support';

const MIN = Date.parse('2026-11-22T07:42:00Z');

describeWithKafka('a replayed flush is ignored', () => {
  const s = useScenario();

  it('counts a flush once when the aggregator republishes it, in full or after a partial publish', async () => {
    const topic = await s.topic(3);
    const products = Array.from({ length: 12 }, (_, i) => `p-${i}`);
    const flushA = flushOf(0, 0, 99, products.map((productId, i) => ({ productId, minuteStartMs: MIN, units: i + 1 })));
    const flushB = flushOf(0, 100, 199, products.map((productId) => ({ productId, minuteStartMs: MIN + 60_000, units: 10 })));
    const flushC = flushOf(1, 0, 49, [{ productId: 'p-0', minuteStartMs: MIN, units: 1000 }]);
    // A in full, A again (crash after publish); the first half of B, then all of B (crash mid-publish);
    // C from another source partition, then A once more (a zombie's late copy).
    await s.publish(topic, flushA, flushA, flushB.slice(0, 6), flushB, flushC, flushA);

    const run = await s.start(topic, unique('g'));
    await waitForCheckpoints(s.db.knex, s.kafka, topic);
    await run.stop();
    const hour = (await unitsByWindow(s.db.knex, 'hour'))['2026-11-22T07:00:00.000Z'];
    expect(hour).toEqual(Object.fromEntries(products.map((p, i) => [p, i + 1 + 10 + (p === 'p-0' ? 1000 : 0)])));
  });
});
