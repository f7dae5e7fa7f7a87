/**
 * Where a shard resumes when Kafka's fetch position and the Postgres checkpoint disagree. The
 * consumer is a fake (the test decides where each batch starts); the pipeline and Postgres are real.
 */
import { TABLES } from '@hitboard/schema';
import { oneRecordFlushes, unitsOf, unitsByWindow, useScenario } from './support';

const TOPIC = 'speed-sums-fake';
const HOUR = '2026-11-22T07:00:00.000Z';
const records = oneRecordFlushes(10);
/** What speed_table must hold once records [0, n) were each counted once. */
const exactUnits = (n: number): Record<string, number> => unitsOf(records.slice(0, n));

describe('a shard resumes at its checkpoint, wherever Kafka starts fetching', () => {
  const s = useScenario();
  const checkpointOffset = async (): Promise<bigint | undefined> =>
    (await s.db.knex(TABLES.speedCheckpoints).where({ topic: TOPIC, shard: 0 }).first<{ next_offset: bigint } | undefined>('next_offset'))?.next_offset;

  it('seeks back when the fetch position is ahead of the checkpoint, then counts every record once', async () => {
    const before = await s.startFake(TOPIC);
    before.fake.join([0]);
    await before.fake.deliver(0, 0, records.slice(0, 3));
    await before.pipeline.writeAll();
    expect(await checkpointOffset()).toBe(3n);

    // A restart whose Kafka commit hint (6) ran ahead of the checkpoint (3): records 3..5 must not be lost.
    const after = await s.startFake(TOPIC);
    const { fake } = after;
    fake.join([0]);
    expect(await fake.deliver(0, 6, records.slice(6))).toEqual([]); // nothing applied or resolved from the wrong place
    expect(fake.seeks).toEqual([{ partition: 0, offset: '3' }]);
    expect(await fake.deliver(0, 3, records.slice(3))).toEqual(['3', '4', '5', '6', '7', '8', '9']);
    await after.pipeline.writeAll();

    expect(await checkpointOffset()).toBe(10n);
    expect((await unitsByWindow(s.db.knex, 'hour'))[HOUR]).toEqual(exactUnits(10));
  });

  it('seeks back again after a rebalance interrupted the first seek, instead of taking the records for gone', async () => {
    const run = await s.startFake(TOPIC);
    const { fake } = run;
    fake.join([0]);
    await fake.deliver(0, 4, records.slice(4)); // no checkpoint yet: resume at 0
    expect(fake.seeks).toEqual([{ partition: 0, offset: '0' }]);

    // The shard is revoked before the sought fetch arrives, then assigned back; the fetch restarts at the hint.
    fake.join([]);
    fake.join([0]);
    await fake.deliver(0, 4, records.slice(4));
    expect(fake.seeks).toEqual([
      { partition: 0, offset: '0' },
      { partition: 0, offset: '0' },
    ]);
    await fake.deliver(0, 0, records);
    await run.pipeline.writeAll();
    expect((await unitsByWindow(s.db.knex, 'hour'))[HOUR]).toEqual(exactUnits(10));
  });

  it('reloads a kept shard from the checkpoint when its fetch jumps past the state (another instance owned it meanwhile)', async () => {
    const y = await s.startFake(TOPIC);
    const yFake = y.fake;
    yFake.join([0]);
    await yFake.deliver(0, 0, records.slice(0, 3));
    await y.pipeline.writeAll(); // checkpoint 3
    await yFake.deliver(0, 3, records.slice(3, 5)); // y's state: 5, not written yet

    // y misses heartbeats and is dropped from the group without noticing; x owns shard 0 meanwhile,
    // resumes at the checkpoint, gets to 8, checkpoints and commits the hint 8.
    const x = await s.startFake(TOPIC);
    const xFake = x.fake;
    xFake.join([0]);
    await xFake.deliver(0, 3, records.slice(3, 8));
    await x.pipeline.writeAll();
    expect(await checkpointOffset()).toBe(8n);
    xFake.join([]);

    // y rejoins and gets shard 0 again: to y it looks kept, but kafkajs fetches from the group's hint, 8.
    yFake.join([0]);
    await yFake.deliver(0, 8, records.slice(8));
    await y.pipeline.writeAll();

    expect(await checkpointOffset()).toBe(10n);
    expect((await unitsByWindow(s.db.knex, 'hour'))[HOUR]).toEqual(exactUnits(10));
  });
});

describe("the Kafka commit hint follows the checkpoint", () => {
  const s = useScenario();

  it('is sent again at the next write when it failed, though nothing new arrived (an idle shard shows no lag)', async () => {
    // Seen in the chaos suite (seed 3004, broker-kill): the coordinator moved with the killed broker, the
    // hint after the last write failed, no record followed, and the group's lag stayed above zero for good.
    const run = await s.startFake(TOPIC);
    const { fake } = run;
    fake.join([0]);
    await fake.deliver(0, 0, records.slice(0, 3));
    fake.failNextCommits = 1;
    await run.pipeline.writeAll();
    expect(fake.commits).toEqual([]);
    await run.pipeline.writeAll(); // nothing new: no rows written, but the hint again
    expect(fake.commits).toEqual([{ partition: 0, offset: '3' }]);
    await run.pipeline.writeAll(); // and only once
    expect(fake.commits).toEqual([{ partition: 0, offset: '3' }]);
  });
});
