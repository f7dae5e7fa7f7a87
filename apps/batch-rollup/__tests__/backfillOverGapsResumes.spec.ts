import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { rollupFilePath } from '@hitboard/lake';
import { TABLES, VIEWS } from '@hitboard/schema';
import { planBackfillNow, runBackfill } from '../src/backfill';
import { batchRows, batchTotals, expectedWindow, H, randomCells, runsOf, scenario, setWatermark, writeFlush, type Scenario } from './support';

const D = 24 * H;

/**
 * A backfill over days with gaps: days with data are built from their hours (built first), empty days
 * succeed with an exact empty answer; the dry run says why each window would run and runs nothing;
 * interrupted, the same backfill resumes without redoing finished windows; `only` and `force` filter.
 */
describe('backfill', () => {
  let s: Scenario;
  beforeEach(async () => (s = await scenario('UTC')));
  afterEach(() => s.close());

  const from = Date.parse('2026-01-05T00:00:00Z');
  const to = from + 6 * D;

  async function seed() {
    // Data on days 0, 1 and 4 (two hours each); days 2, 3 and 5 are gaps.
    const cells = [0, 1, 4].flatMap((d) => randomCells(70 + d, from + d * D + 9 * H, from + d * D + 11 * H, 800, 50));
    await writeFlush(s, cells);
    await setWatermark(s, to + H);
    return cells;
  }

  it('dry run: lists each window with why, children first; runs nothing', async () => {
    await seed();
    const plan = await planBackfillNow(s.deps, { interval: 'day', fromMs: from, toMs: to });
    expect(plan.tasks.filter((t) => t.target).map((t) => t.why)).toEqual(Array(6).fill('missing'));
    expect(plan.tasks.filter((t) => !t.target)).toHaveLength(6); // the six hours with data
    expect(plan.tasks.findIndex((t) => t.window.interval === 'day')).toBe(6); // hours first
    expect(await s.knex(TABLES.rollupRuns).count('* as n').first()).toEqual({ n: 0n });
  });

  it('builds every day over the gaps; an empty day succeeds with an exact empty answer', async () => {
    const cells = await seed();
    const plan = await planBackfillNow(s.deps, { interval: 'day', fromMs: from, toMs: to });
    const summary = await runBackfill(s.deps, plan, { concurrency: 2, attempts: 1 });
    expect([summary.succeeded, summary.failed, summary.interrupted]).toEqual([12, 0, false]);
    for (const day of s.registry.windowsBetween('day', from, to)) {
      const expected = expectedWindow(cells, day, new Map());
      expect(await batchRows(s, day)).toEqual(expected.rows);
      expect(await batchTotals(s, day)).toEqual(expected.totals);
    }
    const gap = s.registry.windowAt('day', from + 2 * D);
    expect((await runsOf(s, gap)).map((r) => [r.status, r.reason, r.rows, r.input_files])).toEqual([['succeeded', 'backfill', 0, 0]]);
    expect(await batchTotals(s, gap)).toEqual({ units: 0n, revenue_cents: 0n, orders: 0n, products: 0n });
    expect(await s.knex(VIEWS.topTotals).first('source', 'units').where({ interval: 'day', window_start: gap.start })).toEqual({ source: 'batch', units: 0n });
    expect(await s.knex(VIEWS.top1000).where({ interval: 'day', window_start: gap.start })).toEqual([]);
    // The empty day's rollup file exists and holds zero rows.
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    const n = (await c.runAndReadAll(`SELECT count(*)::INT AS n FROM read_parquet('${join(s.lakeDir, rollupFilePath('day', gap.start.getTime()))}')`)).getRowObjectsJS();
    expect(n).toEqual([{ n: 0 }]);
    c.closeSync();
    instance.closeSync();
    expect(readFileSync(join(s.lakeDir, rollupFilePath('day', gap.start.getTime()))).subarray(0, 4).toString()).toBe('PAR1');
  });

  it('interrupted, the same backfill resumes without redoing finished windows', async () => {
    const cells = await seed();
    const controller = new AbortController();
    const plan = await planBackfillNow(s.deps, { interval: 'day', fromMs: from, toMs: to });
    const first = await runBackfill(s.deps, plan, {
      concurrency: 1,
      attempts: 1,
      signal: controller.signal,
      onTaskDone: (_t, o) => o.status === 'succeeded' && controller.abort(), // Ctrl-C after the first window
    });
    expect([first.succeeded, first.interrupted]).toEqual([1, true]);
    const done = first.outcomes[0]!.task.window;

    const again = await planBackfillNow(s.deps, { interval: 'day', fromMs: from, toMs: to });
    expect(again.tasks.some((t) => t.window.start.getTime() === done.start.getTime() && t.window.interval === done.interval)).toBe(false);
    const second = await runBackfill(s.deps, again, { concurrency: 2, attempts: 1 });
    expect(second.succeeded).toBe(11);
    const perWindow = await s.knex(TABLES.rollupRuns).select('interval', 'window_start').count('* as n').groupBy('interval', 'window_start');
    expect(perWindow).toHaveLength(12);
    for (const row of perWindow) expect(row.n).toBe(1n);
    const day = s.registry.windowAt('day', from + 4 * D);
    expect(await batchRows(s, day)).toEqual(expectedWindow(cells, day, new Map()).rows);
  });

  it('--only and --force choose windows by state', async () => {
    await seed();
    await runBackfill(s.deps, await planBackfillNow(s.deps, { interval: 'day', fromMs: from, toMs: to }), { concurrency: 2, attempts: 1 });
    const nothing = await planBackfillNow(s.deps, { interval: 'day', fromMs: from, toMs: to });
    expect(nothing.tasks).toEqual([]);
    expect(nothing.skipped.map((x) => x.because)).toEqual(Array(6).fill('done'));
    const onlyFailed = await planBackfillNow(s.deps, { interval: 'day', fromMs: from, toMs: to, only: ['failed'] });
    expect(onlyFailed.tasks).toEqual([]);
    const forced = await planBackfillNow(s.deps, { interval: 'day', fromMs: from, toMs: from + 2 * D, force: true });
    expect(forced.tasks.map((t) => `${t.window.interval}:${t.why}`)).toEqual(['day:forced', 'day:forced']);
    const summary = await runBackfill(s.deps, forced, { concurrency: 1, attempts: 1 });
    expect(summary.succeeded).toBe(2);
    expect((await runsOf(s, s.registry.windowAt('day', from))).map((r) => r.reason)).toEqual(['backfill', 'forced']);
  });
});
