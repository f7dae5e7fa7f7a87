/**
 * /healthz fails for a shard that is stuck, and names it: a checkpoint that has not moved while
 * records wait (StallWatch), and a write Postgres will never take (retries stop, and say why).
 * An idle shard (nothing waiting) stays healthy however long it waits.
 */
import { Registry } from 'prom-client';
import { TABLES } from '@hitboard/schema';
import { createSpeedMetrics } from '../src/metrics';
import { oneRecordFlushes, useScenario } from './support';

const TOPIC = 'speed-sums-fake';
const records = oneRecordFlushes(10);

describe('blocked shards fail /healthz', () => {
  const s = useScenario();

  it('fails when a shard has records waiting and its checkpoint has not moved for stallAfterMs, and recovers when it moves', async () => {
    let nowMs = 1_000_000;
    const run = await s.startFake(TOPIC, { stallAfterMs: 60_000, clock: () => nowMs });
    run.fake.join([0]);
    // Three records arrive, the partition holds ten: seven wait.
    await run.fake.deliver(0, 0, records.slice(0, 3), { logEnd: 10 });
    await run.pipeline.writeAll();
    nowMs += 30_000;
    await run.pipeline.writeAll();
    expect(run.pipeline.health().ok).toBe(true);
    nowMs += 31_000;
    await run.pipeline.writeAll();
    const health = run.pipeline.health();
    expect(health.ok).toBe(false);
    expect(health.stalled).toEqual([{ shard: 0, checkpointOffset: 3, lag: 7, stuckForMs: 61_000 }]);
    expect(health.error).toMatch(/shard 0 stalled: checkpoint at 3 with 7 records waiting/);

    await run.fake.deliver(0, 3, records.slice(3));
    await run.pipeline.writeAll();
    expect(run.pipeline.health().ok).toBe(true);
  });

  it('stays healthy while a shard is idle (nothing waiting)', async () => {
    let nowMs = 1_000_000;
    const run = await s.startFake(TOPIC, { stallAfterMs: 60_000, clock: () => nowMs });
    run.fake.join([0]);
    await run.fake.deliver(0, 0, records);
    await run.pipeline.writeAll();
    nowMs += 3_600_000;
    await run.pipeline.writeAll();
    expect(run.pipeline.health()).toMatchObject({ ok: true, stalled: [] });
  });

  it('stays healthy with no shard at all (more instances than partitions)', async () => {
    let nowMs = 1_000_000;
    const run = await s.startFake(TOPIC, { clock: () => nowMs, writeIntervalMs: 1000 });
    run.fake.join([]);
    nowMs += 3_600_000;
    await run.pipeline.writeAll();
    expect(run.pipeline.health()).toMatchObject({ ok: true });
  });

  it('fails when no write has succeeded for a while', async () => {
    let nowMs = 1_000_000;
    const db = await s.database();
    const run = await s.startFake(TOPIC, { knex: db.knex, clock: () => nowMs, writeIntervalMs: 1000 });
    run.fake.join([0]);
    await run.fake.deliver(0, 0, records);
    await db.drop(); // Postgres loses the database: every write fails, retriably or not
    nowMs += 3_600_000;
    await run.pipeline.writeAll();
    expect(run.pipeline.health().ok).toBe(false);
  });

  it('stops retrying a write Postgres refuses for good, and names the shard and the reason', async () => {
    // A constraint no retry can satisfy (SQLSTATE 23514): the write fails the same way every time.
    await s.db.knex.raw(`ALTER TABLE ${TABLES.speedTable} ADD CONSTRAINT no_p1 CHECK (product_id <> 'p1')`);
    const registry = new Registry();
    const run = await s.startFake(TOPIC, { metrics: createSpeedMetrics(registry) });
    run.fake.join([0]);
    await run.fake.deliver(0, 0, records);
    await run.pipeline.writeAll();
    const health = run.pipeline.health();
    expect(health.ok).toBe(false);
    expect(health.blocked).toEqual([{ shard: 0, reason: expect.stringMatching(/speed write refused: .*SQLSTATE 23514/) }]);
    expect(run.fake.paused.has(0)).toBe(true);
    await run.pipeline.writeAll();
    await run.pipeline.writeAll();
    // One attempt, not one per cycle.
    expect(await registry.getSingleMetricAsString('hitboard_speed_write_errors_total')).toMatch(/hitboard_speed_write_errors_total\{shard="0",retriable="false"\} 1$/m);
  });
});
