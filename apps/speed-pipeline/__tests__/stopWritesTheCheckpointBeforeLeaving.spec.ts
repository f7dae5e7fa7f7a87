/**
 * Graceful stop: the last checkpoint is written before the instance leaves the group (kafkajs'
 * stop/disconnect leave it), so the next owner resumes from it; and with Postgres gone the stop
 * still ends, after a bounded number of attempts, saying the last checkpoint was not written.
 */
import { Registry } from 'prom-client';
import { TABLES } from '@hitboard/schema';
import { createSpeedMetrics } from '../src/metrics';
import { oneRecordFlushes, useScenario } from './support';

const TOPIC = 'speed-sums-fake';
const records = oneRecordFlushes(10);

describe('a graceful stop', () => {
  const s = useScenario();

  it('writes the last checkpoint before it leaves the group', async () => {
    // One timeline: the fake consumer records pause/stop/disconnect, the hook records commits.
    let timeline: string[] = [];
    const run = await s.startFake(TOPIC, { onShardWritten: () => void timeline.push('checkpoint written') });
    timeline = run.fake.calls;
    run.fake.join([0]);
    await run.fake.deliver(0, 0, records);
    await run.stop();
    const leaves = (c: string) => c === 'stop' || c === 'disconnect';
    expect(timeline.filter((c) => c === 'checkpoint written' || leaves(c)).slice(0, 2)).toEqual(['checkpoint written', expect.stringMatching(/^(stop|disconnect)$/)]);
    const cp = await s.db.knex(TABLES.speedCheckpoints).where({ topic: TOPIC, shard: 0 }).first<{ next_offset: bigint }>('next_offset');
    expect(cp?.next_offset).toBe(10n);
  });

  it('applies nothing delivered after the stop began', async () => {
    const run = await s.startFake(TOPIC);
    run.fake.join([0]);
    await run.fake.deliver(0, 0, records.slice(0, 5));
    const stopped = run.stop();
    expect(await run.fake.deliver(0, 5, records.slice(5))).toEqual([]);
    await stopped;
    const cp = await s.db.knex(TABLES.speedCheckpoints).where({ topic: TOPIC, shard: 0 }).first<{ next_offset: bigint }>('next_offset');
    expect(cp?.next_offset).toBe(5n);
  });

  it('ends, bounded, when Postgres is gone, and says the last checkpoint was not written', async () => {
    const db = await s.database();
    const registry = new Registry();
    const order: string[] = [];
    const run = await s.startFake(TOPIC, { knex: db.knex, metrics: createSpeedMetrics(registry), onShardWritten: () => void order.push('written') });
    run.fake.join([0]);
    await run.fake.deliver(0, 0, records);
    // Postgres loses the database under the pipeline: every write fails from now on.
    await s.db.knex.raw(`DROP DATABASE "${db.name}" WITH (FORCE)`);
    await run.stop();
    expect(order).toEqual([]);
    expect(await registry.getSingleMetricAsString('hitboard_speed_final_write_failed_total')).toMatch(/hitboard_speed_final_write_failed_total [1-9]/);
    expect(run.fake.calls).toContain('disconnect');
  });
});
