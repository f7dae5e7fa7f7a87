import { TABLES } from '@hitboard/schema';
import { planBackfillNow, runBackfill } from '../src/backfill';
import { runReadyWindows } from '../src/runner';
import { batchRows, batchTotals, expectedWindow, H, randomCells, runsOf, scenario, setWatermark, writeFlush, type Scenario } from './support';

/**
 * Late data is found by counting the ledger at the start of a pass, but each wave of the pass (and a
 * backfill) reads the ledger again. A child built from inputs its parents did not see must mark them
 * dirty whatever the reason it ran (missing, forced, late data): here a file for an hour that was empty
 * when its day was built lands after the pass's marking and before a later wave, and a forced hour
 * rebuild reads a file that landed after its backfill was planned. Either way the day must come out
 * exact, not stay served from the old hours as if exact.
 */
describe('late data cannot slip past a pass', () => {
  let s: Scenario;
  beforeEach(async () => (s = await scenario('UTC')));
  afterEach(() => s.close());

  const t0 = Date.parse('2026-03-10T10:00:00Z');

  it('an empty hour whose file lands between two waves marks the day built without it', async () => {
    const onTime = randomCells(401, t0, t0 + H, 300, 25);
    await writeFlush(s, onTime);
    await setWatermark(s, Date.parse('2026-03-11T00:30:00Z'));
    await runReadyWindows(s.deps, { concurrency: 1, attempts: 1 });
    const day = s.registry.windowAt('day', t0);
    expect((await runsOf(s, day)).map((r) => r.status)).toEqual(['succeeded']); // hour 15 was empty: taken as such

    // The next day's first hour closes; while it is rolled up (after this pass marked late data), a file for 15:00 of the built day lands.
    const next = Date.parse('2026-03-11T03:00:00Z');
    await writeFlush(s, randomCells(402, next, next + H, 100, 25));
    await setWatermark(s, next + 2 * H);
    const late = randomCells(403, t0 + 5 * H, t0 + 6 * H, 400, 25);
    let landed = false;
    const deps = {
      ...s.deps,
      afterParquetWrite: async () => {
        if (landed) return;
        landed = true;
        await writeFlush(s, late, 1);
      },
    };
    await runReadyWindows(deps, { concurrency: 1, attempts: 1 });
    expect(landed).toBe(true);
    expect((await runsOf(s, s.registry.windowAt('hour', t0 + 5 * H))).map((r) => r.reason)).toEqual(['scheduled']); // built in a later wave, as missing

    await runReadyWindows(s.deps, { concurrency: 1, attempts: 1 });
    const expected = expectedWindow([...onTime, ...late], day, new Map());
    expect(await batchTotals(s, day)).toEqual(expect.objectContaining({ units: expected.totals.units }));
    expect(await batchRows(s, day)).toEqual(expected.rows);
    expect((await runsOf(s, day)).map((r) => r.reason)).toEqual(['scheduled', 'late-data']);
    expect(await s.knex(TABLES.rollupDirty).count('* as n').first()).toEqual({ n: 0n });
  });

  it('a forced hour rebuild that reads a file its day did not see marks the day', async () => {
    const onTime = randomCells(411, t0, t0 + H, 300, 25);
    await writeFlush(s, onTime);
    await setWatermark(s, Date.parse('2026-03-11T00:30:00Z'));
    await runReadyWindows(s.deps, { concurrency: 1, attempts: 1 });
    const day = s.registry.windowAt('day', t0);
    const request = { interval: 'hour', fromMs: t0, toMs: t0 + H, force: true };

    // Same inputs: the day saw them, so nothing is marked.
    await runBackfill(s.deps, await planBackfillNow(s.deps, request), { concurrency: 1, attempts: 1 });
    expect(await s.knex(TABLES.rollupDirty).count('* as n').first()).toEqual({ n: 0n });

    // A late file lands after the backfill was planned (and its late data marked), before the forced hour reads the ledger.
    const plan = await planBackfillNow(s.deps, request);
    const late = randomCells(412, t0, t0 + H, 250, 25);
    await writeFlush(s, late, 1);
    const summary = await runBackfill(s.deps, plan, { concurrency: 1, attempts: 1 });
    expect(summary.succeeded).toBe(1);
    expect((await runsOf(s, s.registry.windowAt('hour', t0))).map((r) => [r.reason, r.input_files])).toEqual([
      ['scheduled', 1],
      ['forced', 1],
      ['forced', 2],
    ]);

    await runReadyWindows(s.deps, { concurrency: 1, attempts: 1 });
    expect(await batchRows(s, day)).toEqual(expectedWindow([...onTime, ...late], day, new Map()).rows);
    expect((await runsOf(s, day)).map((r) => r.reason)).toEqual(['scheduled', 'late-data']);
  });
});
