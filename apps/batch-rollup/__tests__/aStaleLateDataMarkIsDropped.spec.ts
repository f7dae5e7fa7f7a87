import { TABLES } from '@hitboard/schema';
import { keyOf, lateDataMarks } from '../src/planner';
import { runWindow } from '../src/rollup-task';
import { loadPlanContext, markLateData } from '../src/run-store';
import { H, randomCells, runsOf, scenario, setWatermark, writeFlush, type Scenario } from './support';

/**
 * Two schedulers, late data: scheduler A reads its plan (the hour is late), scheduler B rebuilds the hour
 * with every file, then A writes its marks. A's mark is stale — it would send the hour to a second
 * rebuild with nothing new (seen by the chaos suite's late-data scenario as "re-rolled twice") — and
 * must be dropped; a mark of a plan nobody overtook is still written.
 */
describe('a stale late-data mark', () => {
  let s: Scenario;
  beforeEach(async () => (s = await scenario('UTC')));
  afterEach(() => s.close());

  const t0 = Date.parse('2026-03-10T10:00:00Z');

  it('is dropped when another scheduler rebuilt the window after the plan was read', async () => {
    await writeFlush(s, randomCells(11, t0, t0 + H, 200, 20));
    await setWatermark(s, t0 + 3 * H);
    const hour = s.registry.windowAt('hour', t0);
    expect((await runWindow(s.deps, hour, 'scheduled')).status).toBe('succeeded');

    await writeFlush(s, randomCells(12, t0, t0 + H, 50, 20));
    const planOfA = lateDataMarks(await loadPlanContext(s.deps));
    expect(planOfA.map((m) => keyOf(m.window))).toEqual([keyOf(hour)]);
    // B found the same late file (its own pass marks it) and rebuilt the hour before A's marks were written.
    expect(await markLateData(s.knex, lateDataMarks(await loadPlanContext(s.deps)))).toBe(1);
    expect((await runWindow(s.deps, hour, 'late-data')).status).toBe('succeeded');

    expect(await markLateData(s.knex, planOfA)).toBe(0);
    expect(await s.knex(TABLES.rollupDirty).select('interval')).toEqual([]);
    expect((await runsOf(s, hour)).map((r) => r.reason)).toEqual(['scheduled', 'late-data']);

    // A plan read after B's rebuild, with another late file: written as before.
    await writeFlush(s, randomCells(13, t0, t0 + H, 20, 20));
    expect(await markLateData(s.knex, lateDataMarks(await loadPlanContext(s.deps)))).toBe(1);
  });
});
