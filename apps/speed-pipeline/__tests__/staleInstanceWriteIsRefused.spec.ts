import { clock } from '@hitboard/runtime';
/**
 * An instance that lost a shard (a zombie: dropped from the group for missed heartbeats, still
 * running) must not move the shard's checkpoint backwards or overwrite the owner's rows.
 */
import { IntervalRegistry } from '@hitboard/time';
import { TABLES } from '@hitboard/schema';
import { ShardState } from '../src/shard-state';
import { ShardFencedError, SpeedStore, SPEED_CHECKPOINT_WINDOWS } from '../src/speed-store';
import { oneRecordFlushes, unitsOf, speedRows, unitsByWindow, useScenario } from './support';

const TOPIC = 'speed-sums-fake';
const HOUR = '2026-11-22T07:00:00.000Z';
const records = oneRecordFlushes(10);
/** What speed_table must hold once records [0, n) were each counted once. */
const exactUnits = (n: number): Record<string, number> => unitsOf(records.slice(0, n));

describe('a write from an instance that lost the shard is refused', () => {
  const s = useScenario();

  const checkpoint = async () => {
    const header = await s.db.knex(TABLES.speedCheckpoints).where({ topic: TOPIC, shard: 0 }).first<{ next_offset: bigint; state: Buffer }>('next_offset', 'state');
    const blobs = await s.db.knex(SPEED_CHECKPOINT_WINDOWS).where({ topic: TOPIC, shard: 0 }).orderBy(['interval', 'window_start']).select<Array<{ state: Buffer }>>('state');
    return { nextOffset: header?.next_offset, header: header?.state.toString('utf8'), blobs: blobs.map((b) => b.state.toString('hex')) };
  };

  it('leaves the checkpoint, its window states and the owner rows untouched when the offset would move backwards', async () => {
    const options = { registry: IntervalRegistry.standard('UTC'), topk: { eps: 1e-3, delta: 0.01, seed: 1, capacity: 50 }, horizonMs: 48 * 3_600_000 };
    const store = new SpeedStore(s.db.knex, TOPIC);
    const owner = new ShardState(options);
    const zombie = new ShardState(options);
    records.forEach((r, i) => owner.apply(r, BigInt(i), clock.now()));
    records.slice(0, 6).forEach((r, i) => zombie.apply(r, BigInt(i), clock.now()));
    const zombieWrite = zombie.takeWrite(1000); // taken before it lost the shard, committed after

    await store.write(0, owner.takeWrite(1000));
    const before = { checkpoint: await checkpoint(), rows: await speedRows(s.db.knex) };
    expect(before.checkpoint.nextOffset).toBe(10n);

    await expect(store.write(0, zombieWrite)).rejects.toBeInstanceOf(ShardFencedError);
    expect(await checkpoint()).toEqual(before.checkpoint);
    expect(await speedRows(s.db.knex)).toEqual(before.rows);
    expect((await unitsByWindow(s.db.knex, 'hour'))[HOUR]).toEqual(exactUnits(10));
  });

  it('makes the stale pipeline drop the shard, and a later stale batch neither double counts nor blocks the owner', async () => {
    const zombie = await s.startFake(TOPIC);
    const zombieFake = zombie.fake;
    zombieFake.join([0]);
    await zombieFake.deliver(0, 0, records.slice(0, 4));

    // The group moved shard 0 to the owner; the zombie has not noticed.
    const owner = await s.startFake(TOPIC);
    const ownerFake = owner.fake;
    ownerFake.join([0]);
    await ownerFake.deliver(0, 0, records.slice(0, 8));
    await owner.pipeline.writeAll();

    await zombie.pipeline.writeAll(); // offset 4 < 8: refused
    expect(zombie.pipeline.assignedShards()).toEqual([]);
    // A batch the zombie had in flight: it reloads the owner's checkpoint and skips what that covers.
    await zombieFake.deliver(0, 4, records.slice(4, 8));
    await zombie.pipeline.writeAll();

    await ownerFake.deliver(0, 8, records.slice(8));
    await owner.pipeline.writeAll();
    expect(owner.pipeline.assignedShards()).toEqual([0]);
    expect((await checkpoint()).nextOffset).toBe(10n);
    expect((await unitsByWindow(s.db.knex, 'hour'))[HOUR]).toEqual(exactUnits(10));
  });
});
