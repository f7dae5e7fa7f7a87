/**
 * One record years ahead (a producer with a wrong clock: occurred_at and the Kafka timestamp both
 * in the future) used to move the shard watermark years ahead: every current window closed, later
 * sales were dropped as late, and the checkpoint kept the poisoned watermark. Now it is refused
 * ('future', counted), and a checkpoint poisoned by an older build heals on restore.
 */
import { Registry } from 'prom-client';
import { ManualClock, useClock } from '@hitboard/runtime';
import { TABLES } from '@hitboard/schema';
import { createSpeedMetrics } from '../src/metrics';
import { flushOf, unitsByWindow, useScenario } from './support';

const TOPIC = 'speed-sums-fake';
// The pipeline's "now" (the one clock, injected), 20 minutes into an hour: the current hour is the test's choice, at any real time.
const NOW_MS = Date.parse('2026-11-18T10:20:00Z');
const NOW_HOUR = Math.floor(NOW_MS / 3_600_000) * 3_600_000;
const FAR_FUTURE = NOW_HOUR + 3 * 365 * 86_400_000;
const hourKey = new Date(NOW_HOUR).toISOString();

describe('a far-future record', () => {
  const s = useScenario();
  let restoreClock: () => void;
  beforeAll(() => (restoreClock = useClock(new ManualClock(NOW_MS))));
  afterAll(() => restoreClock());

  it('is refused and counted; later sales of the current hour still count, across a restart', async () => {
    const registry = new Registry();
    const first = await s.startFake(TOPIC, { metrics: createSpeedMetrics(registry) });
    first.fake.join([0]);
    await first.fake.deliver(0, 0, [
      ...flushOf(0, 0, 9, [{ productId: 'a', minuteStartMs: NOW_HOUR, units: 1 }]),
      ...flushOf(0, 10, 19, [{ productId: 'wrong-clock', minuteStartMs: FAR_FUTURE, units: 1 }]),
      ...flushOf(0, 20, 29, [{ productId: 'a', minuteStartMs: NOW_HOUR, units: 2 }]),
    ]);
    await first.pipeline.writeAll();
    expect(await registry.getSingleMetricAsString('hitboard_speed_records_refused_total')).toMatch(/\{shard="0",reason="future"\} 1$/m);
    await first.stop();

    const second = await s.startFake(TOPIC);
    second.fake.join([0]);
    expect(await second.fake.deliver(0, 3, flushOf(0, 30, 39, [{ productId: 'a', minuteStartMs: NOW_HOUR, units: 4 }]))).toEqual(['3']);
    await second.pipeline.writeAll();
    expect((await unitsByWindow(s.db.knex, 'hour'))[hourKey]).toEqual({ a: 7 });
  });

  it('heals a checkpoint whose watermark an older build let jump years ahead', async () => {
    const first = await s.startFake(TOPIC);
    first.fake.join([0]);
    await first.fake.deliver(0, 0, flushOf(0, 0, 9, [{ productId: 'a', minuteStartMs: NOW_HOUR, units: 1 }]));
    await first.pipeline.writeAll();
    await first.stop();
    // As an unbounded build wrote it: one shard watermark, years ahead.
    const row = await s.db.knex(TABLES.speedCheckpoints).where({ topic: TOPIC, shard: 0 }).first<{ state: Buffer }>('state');
    const header = JSON.parse(row!.state.toString('utf8')) as Record<string, unknown>;
    const poisoned = { ...header, watermarkMs: FAR_FUTURE, sourceWatermarks: undefined };
    await s.db.knex(TABLES.speedCheckpoints).where({ topic: TOPIC, shard: 0 }).update({ state: Buffer.from(JSON.stringify(poisoned), 'utf8') });

    const second = await s.startFake(TOPIC);
    second.fake.join([0]);
    await second.fake.deliver(0, 1, flushOf(0, 10, 19, [{ productId: 'a', minuteStartMs: NOW_HOUR, units: 2 }]));
    await second.pipeline.writeAll();
    expect((await unitsByWindow(s.db.knex, 'hour'))[hourKey]).toEqual({ a: 3 });
  });
});
