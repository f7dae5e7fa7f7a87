import type { Window } from '@hitboard/time';
import { runReadyWindows } from '../src/runner';
import { batchRows, batchTotals, expectedWindow, H, randomCells, runsOf, scenario, setWatermark, writeFlush, type Scenario } from './support';

/**
 * Windows are local: New York's DST days have 23 and 25 hours; Asia/Kolkata's hours start at :30
 * UTC, so an hour reads the minutes it owns from two UTC hour partitions; ISO weeks start Monday and
 * cross the year end; months and years are built from their days and months.
 */
describe('windows follow the reporting time zone', () => {
  let s: Scenario;
  afterEach(() => s.close());

  const expectExact = async (cells: Parameters<typeof expectedWindow>[0], w: Window) => {
    const expected = expectedWindow(cells, w, new Map());
    expect(await batchRows(s, w)).toEqual(expected.rows);
    expect(await batchTotals(s, w)).toEqual(expected.totals);
    expect((await runsOf(s, w)).map((r) => r.status)).toEqual(['succeeded']);
  };

  it('New York: the spring-forward day has 23 hours, the fall-back day 25; both exact, and their month', async () => {
    s = await scenario('America/New_York');
    const spring = s.registry.windowAt('day', Date.parse('2026-03-08T12:00:00Z'));
    const fall = s.registry.windowAt('day', Date.parse('2026-11-01T12:00:00Z'));
    expect(s.registry.children(spring)).toHaveLength(23);
    expect(s.registry.children(fall)).toHaveLength(25);
    const cells = [
      ...randomCells(11, spring.start.getTime() - 2 * H, spring.end.getTime() + 2 * H, 4000, 200),
      ...randomCells(12, fall.start.getTime() - 2 * H, fall.end.getTime() + 2 * H, 4000, 200),
    ];
    await writeFlush(s, cells.slice(0, 4000), 0);
    await writeFlush(s, cells.slice(4000), 1);
    await setWatermark(s, Date.parse('2026-12-05T00:00:00Z'));
    const result = await runReadyWindows(s.deps, { concurrency: 2, attempts: 1 });
    expect(result.failed).toBe(0);
    await expectExact(cells, spring);
    await expectExact(cells, fall);
    // 01:00–03:00 local on the fall-back day is three UTC hours: the repeated 01:00 hour is its own window.
    for (const h of s.registry.children(fall).slice(0, 4)) await expectExact(cells, h);
    await expectExact(cells, s.registry.windowAt('month', spring.start));
    await expectExact(cells, s.registry.windowAt('month', fall.start));
  }, 180_000);

  it('Asia/Kolkata: :30 hours select their minutes; the ISO week across the year end, the month and the year are exact', async () => {
    s = await scenario('Asia/Kolkata');
    const hour = s.registry.windowAt('hour', Date.parse('2025-12-31T20:40:00Z'));
    expect(hour.start.toISOString()).toBe('2025-12-31T20:30:00.000Z');
    const week = s.registry.windowAt('week', Date.parse('2026-01-01T00:00:00Z'));
    expect(week.start.toISOString()).toBe('2025-12-28T18:30:00.000Z'); // Monday 29 Dec 00:00 IST
    const cells = [
      // 24 hours across the local year end (2025-12-31T18:30Z): two years, two months, two days, one ISO week.
      ...randomCells(21, Date.parse('2025-12-31T06:00:00Z'), Date.parse('2026-01-01T06:00:00Z'), 4000, 150),
      // One UTC hour partition holding minutes of two local hours.
      { minuteStartMs: Date.parse('2025-12-31T20:29:00Z'), productId: 'edge', units: 7, revenueCents: 700, orders: 1 },
      { minuteStartMs: Date.parse('2025-12-31T20:30:00Z'), productId: 'edge', units: 11, revenueCents: 1100, orders: 1 },
    ];
    await writeFlush(s, cells.slice(0, 2000), 0);
    await writeFlush(s, cells.slice(2000), 1);
    await setWatermark(s, Date.parse('2026-02-05T00:00:00Z'));
    const result = await runReadyWindows(s.deps, { concurrency: 2, attempts: 1 });
    expect(result.failed).toBe(0);
    await expectExact(cells, hour);
    await expectExact(cells, s.registry.previous(hour));
    expect((await batchRows(s, hour)).find((r) => r.product_id === 'edge')?.units).toBe(11n);
    await expectExact(cells, s.registry.windowAt('day', hour.start));
    await expectExact(cells, s.registry.windowAt('day', Date.parse('2025-12-31T12:00:00Z')));
    await expectExact(cells, week);
    await expectExact(cells, s.registry.windowAt('month', Date.parse('2025-12-15T00:00:00Z')));
    await expectExact(cells, s.registry.windowAt('month', Date.parse('2026-01-15T00:00:00Z')));
    const year = s.registry.windowAt('year', Date.parse('2025-06-01T00:00:00Z'));
    expect(year.start.toISOString()).toBe('2024-12-31T18:30:00.000Z');
    await expectExact(cells, year);
    expect(await runsOf(s, s.registry.next(year))).toEqual([]); // 2026 is not closed yet
  }, 180_000);
});
