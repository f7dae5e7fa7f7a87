/**
 * Watermarks are per source partition: a source partition of sales.events that lags the fastest
 * by more than the horizon (its aggregator instance was down, it is catching up) loses none of its
 * records to the other's progress, across writes and a restart from the checkpoint.
 */
import { flushOf, unitsByWindow, useScenario } from './support';

const TOPIC = 'speed-sums-fake';
const H7 = Date.parse('2026-11-22T07:00:00Z');
const THREE_DAYS_LATER = Date.parse('2026-11-25T07:00:00Z');

describe('a lagging source partition', () => {
  const s = useScenario();

  it('keeps counting its hours while another source partition is days ahead', async () => {
    const horizonMs = 2 * 3_600_000;
    const first = await s.startFake(TOPIC, { horizonMs });
    first.fake.join([0]);
    await first.fake.deliver(0, 0, [
      ...flushOf(1, 0, 9, [{ productId: 'slow', minuteStartMs: H7 + 60_000, units: 1 }]),
      ...flushOf(0, 0, 9, [{ productId: 'fast', minuteStartMs: THREE_DAYS_LATER, units: 1 }]),
    ]);
    await first.pipeline.writeAll();
    await first.fake.deliver(0, 2, flushOf(1, 10, 19, [{ productId: 'slow', minuteStartMs: H7 + 120_000, units: 2 }]));
    await first.pipeline.writeAll();
    await first.stop();

    const second = await s.startFake(TOPIC, { horizonMs });
    second.fake.join([0]);
    await second.fake.deliver(0, 3, flushOf(1, 20, 29, [{ productId: 'slow', minuteStartMs: H7 + 180_000, units: 4 }]));
    await second.pipeline.writeAll();
    expect((await unitsByWindow(s.db.knex, 'hour'))[new Date(H7).toISOString()]).toEqual({ slow: 7 });
  });
});
