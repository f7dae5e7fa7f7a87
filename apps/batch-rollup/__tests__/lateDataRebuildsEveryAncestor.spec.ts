import { TABLES } from '@hitboard/schema';
import { planBackfillNow } from '../src/backfill';
import { runReadyWindows } from '../src/runner';
import { batchRows, expectedWindow, H, randomCells, runsOf, scenario, setWatermark, writeFlush, type Scenario } from './support';

/**
 * A file listed for an hour already rolled up marks the hour and every ancestor (day, week, month,
 * year) dirty with the late files and rows; the next pass rebuilds them in order, reason late-data,
 * and the rebuilt windows include the late sales. A file for an hour that had no data (so was never
 * built, and its day took it as empty) marks the built ancestors dirty too.
 */
describe('late data rebuilds hour → day → week → month → year', () => {
  let s: Scenario;
  beforeEach(async () => (s = await scenario('UTC')));
  afterEach(() => s.close());

  it('marks, rebuilds in order with reason late-data, and leaves nothing dirty', async () => {
    const t0 = Date.parse('2025-12-30T10:00:00Z');
    const onTime = randomCells(31, t0, t0 + 2 * H, 1500, 80);
    await writeFlush(s, onTime);
    await setWatermark(s, Date.parse('2026-01-06T00:00:00Z'));
    await runReadyWindows(s.deps, { concurrency: 2, attempts: 1 });
    const hour = s.registry.windowAt('hour', t0);
    const chain = [hour, ...['day', 'week', 'month', 'year'].map((i) => s.registry.windowAt(i, t0))];
    for (const w of chain) expect((await runsOf(s, w)).map((r) => r.reason)).toEqual(['scheduled']);

    // Late: one more flush for the first hour (a second partition caught up).
    const late = randomCells(32, t0, t0 + H, 300, 80);
    await writeFlush(s, late, 1);
    const plan = await planBackfillNow(s.deps, { interval: 'year', fromMs: Date.parse('2025-01-01T00:00:00Z'), toMs: Date.parse('2026-01-01T00:00:00Z') });
    // A year's lineage is hour → day → month → year (the week is dirty too, but the year is not built from it).
    expect(plan.tasks.map((t) => [t.window.interval, t.why])).toEqual([
      ['hour', 'dirty'],
      ['day', 'dirty'],
      ['month', 'dirty'],
      ['year', 'dirty'],
    ]);
    const dirty = await s.knex(TABLES.rollupDirty).select('interval', 'late_files', 'late_rows').orderBy('window_start');
    expect(dirty).toHaveLength(5);
    for (const d of dirty) expect([d.late_files, d.late_rows]).toEqual([1, 300n]);

    const pass = await runReadyWindows(s.deps, { concurrency: 2, attempts: 1 });
    expect(pass.failed).toBe(0);
    const all = [...onTime, ...late];
    let previousRunId = 0n;
    for (const w of chain) {
      const runs = await runsOf(s, w);
      expect(runs.map((r) => `${r.status}/${r.reason}`)).toEqual(['succeeded/scheduled', 'succeeded/late-data']);
      // Rebuilt in DAG order: each after the window it is rolled up from (week and month both after the day).
      if (w.interval !== 'month') expect(runs[1]!.run_id > previousRunId).toBe(true);
      if (w.interval !== 'week') previousRunId = runs[1]!.run_id;
      expect(await batchRows(s, w)).toEqual(expectedWindow(all, w, new Map()).rows);
    }
    expect(await s.knex(TABLES.rollupDirty).count('* as n').first()).toEqual({ n: 0n });
  });

  it('a file for an hour that had no data marks the day built without it', async () => {
    const t0 = Date.parse('2025-12-30T10:00:00Z');
    const onTime = randomCells(41, t0, t0 + H, 500, 40);
    await writeFlush(s, onTime);
    await setWatermark(s, Date.parse('2026-01-06T00:00:00Z'));
    await runReadyWindows(s.deps, { concurrency: 1, attempts: 1, intervals: ['day'] });
    const day = s.registry.windowAt('day', t0);
    expect((await runsOf(s, day)).map((r) => r.status)).toEqual(['succeeded']);
    const late = randomCells(42, t0 + 5 * H, t0 + 6 * H, 200, 40);
    await writeFlush(s, late, 1);
    await runReadyWindows(s.deps, { concurrency: 1, attempts: 1, intervals: ['day'] });
    expect((await runsOf(s, day)).map((r) => r.reason)).toEqual(['scheduled', 'late-data']);
    expect(await batchRows(s, day)).toEqual(expectedWindow([...onTime, ...late], day, new Map()).rows);
  });
});
