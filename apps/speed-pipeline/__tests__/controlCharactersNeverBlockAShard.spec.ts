/**
 * A product id Postgres `text` cannot store (NUL) used to fail the shard's write every cycle: the
 * checkpoint never moved and memory grew. Such a record is skipped at decoding with a reason (a
 * bad record), and the shard moves on.
 */
import { Registry } from 'prom-client';
import { encodeProductSum, TABLES } from '@hitboard/schema';
import { createSpeedMetrics } from '../src/metrics';
import { oneRecordFlushes, unitsByWindow, unitsOf, useScenario } from './support';

const TOPIC = 'speed-sums-fake';
const HOUR = '2026-11-22T07:00:00.000Z';

describe('a product id with control characters', () => {
  const s = useScenario();

  it('is skipped with a reason; the shard writes and checkpoints past it', async () => {
    const records = oneRecordFlushes(4);
    const poison = encodeProductSum({ ...records[1]!, productId: 'p\u00001' });
    const registry = new Registry();
    const run = await s.startFake(TOPIC, { metrics: createSpeedMetrics(registry) });
    run.fake.join([0]);
    expect(await run.fake.deliver(0, 0, [records[0]!, poison, records[2]!, records[3]!])).toEqual(['0', '1', '2', '3']);
    await run.pipeline.writeAll();
    const cp = await s.db.knex(TABLES.speedCheckpoints).where({ topic: TOPIC, shard: 0 }).first<{ next_offset: bigint }>('next_offset');
    expect(cp?.next_offset).toBe(4n);
    expect((await unitsByWindow(s.db.knex, 'hour'))[HOUR]).toEqual(unitsOf([records[0]!, records[2]!, records[3]!]));
    expect(await registry.getSingleMetricAsString('hitboard_speed_bad_records_total')).toMatch(/hitboard_speed_bad_records_total\{shard="0"\} 1$/m);
    expect(run.pipeline.health().ok).toBe(true);
  });

  it('counts the two Unicode spellings of one id as one product', async () => {
    const [a, b] = oneRecordFlushes(2);
    const run = await s.startFake(TOPIC);
    run.fake.join([0]);
    await run.fake.deliver(0, 0, [{ ...a!, productId: 'caf\u00e9' }, { ...b!, productId: 'cafe\u0301' }]);
    await run.pipeline.writeAll();
    expect((await unitsByWindow(s.db.knex, 'hour'))[HOUR]).toEqual({ 'caf\u00e9': a!.units + b!.units });
  });
});
