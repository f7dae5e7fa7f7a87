import { TABLES } from '@hitboard/schema';
import { runReadyWindows } from '../src/runner';
import { batchRows, expectedWindow, H, openPartition, randomCells, runsOf, scenario, setWatermark, writeFlush, type Scenario } from './support';

/**
 * The aggregator creates a partition's ledger row on assignment, before its first commit (watermark
 * NULL). On a first run, a history fill or after adding partitions, one fast partition must not close
 * hours for all: an hour closes only once every partition of the topic has a watermark past it (an
 * empty partition gets one from its aggregator once consumed to its log end and idle).
 */
describe('hours wait for every partition of the topic', () => {
  let s: Scenario;
  beforeEach(async () => (s = await scenario('UTC')));
  afterEach(() => s.close());

  it('closes nothing while a partition has not committed, then closes with its data', async () => {
    const t0 = Date.parse('2026-03-04T08:00:00Z');
    const fast = randomCells(301, t0, t0 + 2 * H, 600, 30);
    await writeFlush(s, fast, 0);
    await setWatermark(s, t0 + 30 * H, 0);
    await openPartition(s, 1); // assigned, still reading its backlog: no commit yet

    const first = await runReadyWindows(s.deps, { concurrency: 1, attempts: 1 });
    expect(first.succeeded).toBe(0);
    expect(await s.knex(TABLES.rollupRuns).count('* as n').first()).toEqual({ n: 0n });

    const slow = randomCells(302, t0, t0 + 2 * H, 400, 30);
    await writeFlush(s, slow, 1);
    await setWatermark(s, t0 + 2 * H, 1); // its first commit: both hours closed, the day not yet
    const second = await runReadyWindows(s.deps, { concurrency: 1, attempts: 1 });
    expect(second.failed).toBe(0);
    for (const at of [t0, t0 + H]) {
      const hour = s.registry.windowAt('hour', at);
      expect((await runsOf(s, hour)).map((r) => [r.status, r.input_files])).toEqual([['succeeded', 2]]);
      expect(await batchRows(s, hour)).toEqual(expectedWindow([...fast, ...slow], hour, new Map()).rows);
    }
    expect((await runsOf(s, s.registry.windowAt('day', t0))).length).toBe(0);
  });
});
