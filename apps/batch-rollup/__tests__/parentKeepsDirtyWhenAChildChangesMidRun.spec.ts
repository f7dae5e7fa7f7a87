import { TABLES } from '@hitboard/schema';
import { runWindow } from '../src/rollup-task';
import { runReadyWindows } from '../src/runner';
import { batchRows, expectedWindow, H, randomCells, runsOf, scenario, setWatermark, writeFlush, type Scenario } from './support';

/**
 * A day reads its hours, then — before it publishes — late data arrives and the hour is rebuilt.
 * The day's publish must not clear its dirty mark (it read the old hour): it stays dirty and the
 * next pass rebuilds it with the late sales. Otherwise a finished day would silently miss them.
 */
describe('a parent whose child changes while it runs', () => {
  let s: Scenario;
  beforeEach(async () => (s = await scenario('UTC')));
  afterEach(() => s.close());

  it('stays dirty and is rebuilt with the late sales', async () => {
    const t0 = Date.parse('2026-02-18T07:00:00Z');
    const onTime = randomCells(121, t0, t0 + H, 400, 30);
    await writeFlush(s, onTime);
    await setWatermark(s, t0 + 20 * H);
    await runReadyWindows(s.deps, { concurrency: 1, attempts: 1, intervals: ['hour'] });
    const hour = s.registry.windowAt('hour', t0);
    const day = s.registry.windowAt('day', t0);
    const late = randomCells(122, t0, t0 + H, 100, 30);

    const outcome = await runWindow(
      {
        ...s.deps,
        afterParquetWrite: async () => {
          // Between the day's read and its publish: a late file, found and the hour rebuilt.
          await writeFlush(s, late, 1);
          await runReadyWindows(s.deps, { concurrency: 1, attempts: 1, intervals: ['hour'] });
        },
      },
      day,
      'scheduled',
    );
    expect(outcome).toMatchObject({ status: 'succeeded', stillDirty: true });
    expect(await s.knex(TABLES.rollupDirty).pluck('interval')).toEqual(['day']);
    expect((await runsOf(s, hour)).map((r) => r.reason)).toEqual(['scheduled', 'late-data']);

    await runReadyWindows(s.deps, { concurrency: 1, attempts: 1, intervals: ['day'] });
    expect((await runsOf(s, day)).map((r) => r.reason)).toEqual(['scheduled', 'late-data']);
    expect(await batchRows(s, day)).toEqual(expectedWindow([...onTime, ...late], day, new Map()).rows);
    expect(await s.knex(TABLES.rollupDirty).pluck('interval')).toEqual([]);
  });
});
