/**
 * A record the pipeline cannot count is skipped and counted as bad, without stopping the shard
 * (a batch that throws would be retried forever, or crash the consumer).
 */
import { Registry } from 'prom-client';
import { CHANNEL_ALL, TABLES, type ProductSum } from '@hitboard/schema';
import { createSpeedMetrics } from '../src/metrics';
import { flushOf, unitsByWindow, useScenario } from './support';

const TOPIC = 'speed-sums-fake';
const MIN = Date.parse('2026-11-22T07:42:00Z');

describe('bad records are skipped', () => {
  const s = useScenario();

  it('skips undecodable records and counts beyond 2^53, and applies the records after them', async () => {
    const run = await s.startFake(TOPIC);
    const { fake } = run;
    fake.join([0]);
    const sum = (i: number, units: number): ProductSum => flushOf(0, i * 10, i * 10 + 9, [{ productId: `p${i}`, minuteStartMs: MIN, units, revenueCents: units }])[0]!;
    const resolved = await fake.deliver(0, 0, [
      sum(0, 3),
      Buffer.from('not json'),
      sum(1, 2 ** 60), // valid JSON, but beyond what a float64 counter holds exactly: the schema refuses it
      { ...sum(2, 1), revenueCents: 2 ** 60 },
      sum(3, 4),
    ]);
    expect(resolved).toEqual(['0', '1', '2', '3', '4']);
    await run.pipeline.writeAll();
    expect((await unitsByWindow(s.db.knex, 'hour'))['2026-11-22T07:00:00.000Z']).toEqual({ p0: 3, p3: 4 });
    const cp = await s.db.knex(TABLES.speedCheckpoints).where({ topic: TOPIC, shard: 0 }).first<{ next_offset: bigint }>('next_offset');
    expect(cp?.next_offset).toBe(5n);
  });

  it('skips, whole and visibly, a record one of whose windows cannot take it (total past 2^53), and keeps writing', async () => {
    const registry = new Registry();
    const run = await s.startFake(TOPIC, { metrics: createSpeedMetrics(registry) });
    run.fake.join([0]);
    const H8 = Date.parse('2026-11-22T08:05:00Z');
    const big = Number.MAX_SAFE_INTEGER - 10;
    const records = [
      flushOf(0, 0, 9, [{ productId: 'big', minuteStartMs: MIN, units: big, revenueCents: 1 }])[0]!,
      // Hour 08 could take 20 more units, the day (already at 2^53 - 11) cannot: applied nowhere.
      flushOf(0, 10, 19, [{ productId: 'over', minuteStartMs: H8, units: 20, revenueCents: 1 }])[0]!,
      flushOf(0, 20, 29, [{ productId: 'fits', minuteStartMs: H8, units: 5, revenueCents: 1 }])[0]!,
    ];
    expect(await run.fake.deliver(0, 0, records)).toEqual(['0', '1', '2']);
    await run.pipeline.writeAll();
    expect((await unitsByWindow(s.db.knex, 'hour'))['2026-11-22T08:00:00.000Z']).toEqual({ fits: 5 });
    const day = await s.db.knex(TABLES.windowTotals).where({ interval: 'day', channel: CHANNEL_ALL, shard: 0 }).first<{ units: bigint }>('units');
    expect(day?.units).toBe(BigInt(big) + 5n);
    const cp = await s.db.knex(TABLES.speedCheckpoints).where({ topic: TOPIC, shard: 0 }).first<{ next_offset: bigint }>('next_offset');
    expect(cp?.next_offset).toBe(3n);
    expect(await registry.getSingleMetricAsString('hitboard_speed_records_refused_total')).toMatch(/\{shard="0",reason="overflow"\} 1$/m);
    expect(run.pipeline.health().ok).toBe(true);
  });
});
