/**
 * A checkpoint ahead of the log (the topic was recreated or truncated while Postgres kept its
 * checkpoints) must not silently skip the new records below its offset: the shard is refused
 * (paused), /healthz fails naming it, a metric says so, and the checkpoint is left as it was.
 */
import { Registry } from 'prom-client';
import { IntervalRegistry } from '@hitboard/time';
import { TABLES } from '@hitboard/schema';
import { createSpeedMetrics } from '../src/metrics';
import { ShardState } from '../src/shard-state';
import { SpeedStore } from '../src/speed-store';
import { describeWithKafka, oneRecordFlushes, unique, useScenario, waitFor } from './support';

const TOPIC = 'speed-sums-fake';
const records = oneRecordFlushes(10);

describe('a checkpoint ahead of the log', () => {
  const s = useScenario();
  const checkpointOffset = async (): Promise<bigint | undefined> =>
    (await s.db.knex(TABLES.speedCheckpoints).where({ topic: TOPIC, shard: 0 }).first<{ next_offset: bigint } | undefined>('next_offset'))?.next_offset;

  it('refuses the shard, fails /healthz naming it, and keeps the checkpoint', async () => {
    const before = await s.startFake(TOPIC);
    before.fake.join([0]);
    await before.fake.deliver(0, 0, records);
    await before.pipeline.writeAll();
    expect(await checkpointOffset()).toBe(10n);
    await before.stop();

    // The topic is recreated: three new records at offsets 0..2, the checkpoint still says 10.
    const registry = new Registry();
    const after = await s.startFake(TOPIC, { metrics: createSpeedMetrics(registry) });
    after.fake.join([0]);
    // The first batch's log end may predate the checkpoint (see the next test): fetched once more first.
    expect(await after.fake.deliver(0, 0, records.slice(0, 3))).toEqual([]);
    expect(after.fake.paused.has(0)).toBe(false);
    expect(after.fake.seeks).toEqual([{ partition: 0, offset: '0' }]);
    expect(await after.fake.deliver(0, 0, records.slice(0, 3))).toEqual([]);
    expect(after.fake.paused.has(0)).toBe(true);
    const health = after.pipeline.health();
    expect(health.ok).toBe(false);
    expect(health.blocked).toEqual([{ shard: 0, reason: expect.stringMatching(/checkpoint offset 10 is beyond the end of the partition \(3\)/) }]);
    expect(health.error).toMatch(/shard 0 blocked/);
    expect(await registry.getSingleMetricAsString('hitboard_speed_shard_blocked')).toMatch(/hitboard_speed_shard_blocked\{shard="0",reason="checkpoint-ahead-of-log"\} 1/);
    // Nothing below the checkpoint was applied or written; the checkpoint is untouched.
    expect(after.pipeline.assignedShards()).toEqual([]);
    await after.pipeline.writeAll();
    expect(await checkpointOffset()).toBe(10n);

    // An operator fixed it (see the README) and the group rebalanced: the shard is decided afresh.
    await s.db.knex(TABLES.speedCheckpoints).where({ topic: TOPIC, shard: 0 }).delete();
    await s.db.knex('speed_checkpoint_windows').where({ topic: TOPIC, shard: 0 }).delete();
    after.fake.join([0]);
    expect(after.fake.paused.has(0)).toBe(false);
    expect(await after.fake.deliver(0, 0, records.slice(0, 3))).toEqual(['0', '1', '2']);
    expect(after.pipeline.health().ok).toBe(true);
  });

  it('takes the shard when the batch was fetched before the previous owner checkpointed past its log end', async () => {
    // The aggregator's twin was seen in CI: in a rebalance the previous owner's last write lands between
    // the new owner's fetch (log end 8) and its checkpoint read (10). The log really holds 12 records.
    const before = await s.startFake(TOPIC);
    before.fake.join([0]);
    await before.fake.deliver(0, 0, records.slice(0, 10));
    await before.pipeline.writeAll();
    await before.stop();

    const after = await s.startFake(TOPIC);
    after.fake.join([0]);
    expect(await after.fake.deliver(0, 0, records.slice(0, 8), { logEnd: 8 })).toEqual([]);
    expect(after.fake.paused.has(0)).toBe(false);
    expect(after.fake.seeks).toEqual([{ partition: 0, offset: '0' }]);
    const more = oneRecordFlushes(12);
    const resolved = await after.fake.deliver(0, 0, more);
    expect(resolved).toEqual(more.map((_, i) => String(i)));
    expect(after.pipeline.health()).toMatchObject({ ok: true, blocked: [] });
    await after.pipeline.writeAll();
    expect(await checkpointOffset()).toBe(12n);
    await after.stop();
  });
});

describeWithKafka('a checkpoint ahead of the log, on the real broker', () => {
  const s = useScenario();

  it('pauses the shard instead of skipping the records below the checkpoint, and /healthz names it', async () => {
    const topic = await s.topic(1);
    // Postgres kept a checkpoint at 1000 for this topic; the topic (recreated) holds three records.
    const kept = new ShardState({ registry: IntervalRegistry.standard('UTC'), topk: { eps: 1e-3, delta: 0.01, seed: 1, capacity: 200 }, horizonMs: 48 * 3_600_000 });
    kept.skip(999n);
    await new SpeedStore(s.db.knex, topic).write(0, kept.takeWrite(1000));
    await s.publish(topic, oneRecordFlushes(3));

    const run = await s.start(topic, unique('g'));
    const health = await waitFor('the shard to be refused', async () => {
      const h = run.pipeline.health();
      return h.blocked.length > 0 ? h : undefined;
    });
    expect(health.ok).toBe(false);
    expect(health.blocked).toEqual([{ shard: 0, reason: expect.stringMatching(/checkpoint offset 1000 is beyond the end of the partition \(3\)/) }]);
    await run.stop();
    // No row of any channel.
    const rows = await s.db.knex(TABLES.speedTable).count<[{ count: bigint }]>({ count: '*' });
    expect(rows[0]?.count).toBe(0n);
    const cp = await s.db.knex(TABLES.speedCheckpoints).where({ topic, shard: 0 }).first<{ next_offset: bigint }>('next_offset');
    expect(cp?.next_offset).toBe(1000n);
  });
});
