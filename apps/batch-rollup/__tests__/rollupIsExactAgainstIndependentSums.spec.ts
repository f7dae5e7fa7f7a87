import { TABLES } from '@hitboard/schema';
import { runWindow } from '../src/rollup-task';
import { runReadyWindows } from '../src/runner';
import { addProducts, batchRows, batchTotals, expectedWindow, H, randomCells, runsOf, scenario, setWatermark, writeFlush, type Scenario } from './support';

/**
 * Hour and day rollups equal plain JS sums of the same cells: every stored row, every rank (overall
 * and per category, cut at 1000), ties broken by product_id in byte order, products the catalog does
 * not know under category ''. A category with more than 1000 products proves the per-category cut.
 */
describe('rollups are exact against an independent computation', () => {
  let s: Scenario;
  beforeEach(async () => (s = await scenario('UTC')));
  afterEach(() => s.close());

  it('hours and their day: rows, ranks, per-category tops and totals', async () => {
    const day = Date.parse('2026-03-02T00:00:00Z');
    // 2600 products: even ones in "toys", odd ones in "books", the last 100 unknown to the catalog.
    const catalog = new Map<string, string>();
    for (let i = 0; i < 2500; i++) catalog.set(`p-${String(i).padStart(4, '0')}`, i % 2 === 0 ? 'toys' : 'books');
    await addProducts(s, [...catalog].map(([productId, category]) => ({ productId, category })));
    const cells = [
      ...randomCells(1, day, day + 3 * H, 12_000, 2600),
      ...randomCells(2, day + 5 * H, day + 6 * H, 3_000, 2600),
      // Exact ties on both metrics: ranked by product_id in byte order ('B' < 'Z' < 'a' < 'é').
      ...['a-tie', 'B-tie', 'é-tie', 'Z-tie'].map((productId) => ({ minuteStartMs: day + 30 * 60_000, productId, units: 500, revenueCents: 99_999, orders: 3 })),
    ];
    await writeFlush(s, cells.slice(0, 8000), 0);
    await writeFlush(s, cells.slice(8000), 1);
    await setWatermark(s, day + 24 * H);

    const result = await runReadyWindows(s.deps, { concurrency: 2, attempts: 1 });
    expect(result.failed).toBe(0);

    // Hours 03 and 04 have no file: the scheduler builds no run for them, the day takes them as empty.
    const hours = s.registry.windowsBetween('hour', day, day + 6 * H);
    expect(await runsOf(s, hours[3]!)).toEqual([]);
    for (const w of [...hours.filter((_, i) => i !== 3 && i !== 4), s.registry.windowAt('day', day)]) {
      const expected = expectedWindow(cells, w, catalog);
      const rows = await batchRows(s, w);
      expect(rows).toEqual(expected.rows);
      expect(await batchTotals(s, w)).toEqual(expected.totals);
      expect((await runsOf(s, w)).map((r) => r.status)).toEqual(['succeeded']);
    }
    const dayWindow = s.registry.windowAt('day', day);
    const dayRows = await batchRows(s, dayWindow);
    // The cut is real: some stored rows are outside the overall top 1000 but inside their category's.
    expect(dayRows.some((r) => r.rank_units === null && r.category_rank_units !== null)).toBe(true);
    expect(dayRows.filter((r) => r.category === '').length).toBeGreaterThan(0);
    // Postgres' byte order (COLLATE "C") agrees with the ranks DuckDB gave.
    const pgOrder = await s.knex(TABLES.batchTable)
      .pluck('product_id')
      .where({ interval: 'day', window_start: dayWindow.start, channel: 'all' })
      .whereNotNull('rank_units')
      .orderByRaw('units DESC, product_id COLLATE "C"');
    const stored = await s.knex(TABLES.batchTable).pluck('product_id').where({ interval: 'day', window_start: dayWindow.start, channel: 'all' }).whereNotNull('rank_units').orderBy('rank_units');
    expect(stored).toEqual(pgOrder);
    expect(stored.filter((p: string) => p.endsWith('-tie'))).toEqual(['B-tie', 'Z-tie', 'a-tie', 'é-tie']);
  });

  it('re-running a window gives identical rows', async () => {
    const day = Date.parse('2026-03-03T00:00:00Z');
    const cells = randomCells(7, day, day + H, 2000, 300);
    await writeFlush(s, cells);
    await setWatermark(s, day + 2 * H);
    await runReadyWindows(s.deps, { concurrency: 1, attempts: 1, intervals: ['hour'] });
    const w = s.registry.windowAt('hour', day);
    const first = await batchRows(s, w);
    const again = await runWindow(s.deps, w, 'forced', { force: true });
    expect(again.status).toBe('succeeded');
    expect(await batchRows(s, w)).toEqual(first);
    expect(first).toEqual(expectedWindow(cells, w, new Map()).rows);
  });
});
