/**
 * /api/top?from=…&to=… and its CSV against a real migrated Postgres (read as hitboard_reader) and a
 * local lake holding the built windows' full rollup files: exact from the fewest built tiles, the
 * unbuilt hours from the speed layer (labelled, with their bound), which hours are which, movement
 * against the range before, late-data rebuilds, and the cache keyed by the tiles' build versions.
 *
 * The world (UTC), range R = [2026-10-30T22:00Z, 2026-12-02T03:00Z):
 *   hours Oct 30 22:00, 23:00 (built) · day Oct 31 (built) · month November (built) · day Dec 1 (NOT
 *   built: its 24 hours are) · hours Dec 2 00:00, 01:00 (built) · Dec 2 02:00 (speed only).
 *   Before R: hour Oct 30 21:00 (built), the previous range's only data.
 */
import { TABLES } from '@hitboard/schema';
import { GET as top } from '../src/app/api/top/route';
import { GET as topCsv } from '../src/app/api/top.csv/route';
import { resetDashboardContext } from '../src/server/context';
import { call } from './support/app';
import { seedProducts, seedSpeedWindow, type Sale } from './support/seed';
import { seedBuiltWindow, useRangeWorld, writeRollupFile } from './support/rollup-lake';

const HOUR = 3_600_000;
const FROM = '2026-10-30T22:00:00.000Z';
const TO = '2026-12-02T03:00:00.000Z';
const NOW_MS = Date.parse('2026-12-02T02:40:00Z');
const CATEGORY: Record<string, string> = { P1: 'Toys', P2: 'Toys', P3: 'Books', P4: 'Books', PB: 'Toys', Pa: 'Toys' };
const categoryOf = (id: string) => CATEGORY[id] ?? '';

const sale = (id: string, units: number, price = 100): Sale => ({ id, units: BigInt(units), revenue: BigInt(units * price), orders: BigInt(units) });
/** Built windows of R with their sales; the test's own sums of these are the truth. */
const BUILT: { interval: string; start: string; sales: Sale[] }[] = [
  { interval: 'hour', start: '2026-10-30T22:00:00Z', sales: [sale('P1', 5), sale('P2', 3)] },
  { interval: 'hour', start: '2026-10-30T23:00:00Z', sales: [sale('P3', 7, 1000)] },
  { interval: 'day', start: '2026-10-31T00:00:00Z', sales: [sale('P1', 100), sale('P4', 40, 5000)] },
  { interval: 'month', start: '2026-11-01T00:00:00Z', sales: [sale('P1', 1000), sale('P2', 1200), sale('P3', 300, 1000), sale('PB', 10), sale('Pa', 10)] },
  ...Array.from({ length: 24 }, (_, h) => ({ interval: 'hour', start: new Date(Date.parse('2026-12-01T00:00:00Z') + h * HOUR).toISOString(), sales: [sale('P1', 2), sale('P4', 1, 5000)] })),
  { interval: 'hour', start: '2026-12-02T00:00:00Z', sales: [sale('P2', 1)] },
  { interval: 'hour', start: '2026-12-02T01:00:00Z', sales: [sale('P3', 1, 1000), sale('PB', 90), sale('Pa', 90)] },
];
/** Hour 02:00 of Dec 2: speed rows only (two shards, bounds 4 and 6 units, 400 and 600 cents: the hour's bound is the larger). */
const ESTIMATED_HOUR = new Date('2026-12-02T02:00:00Z');
const PREVIOUS_HOUR = { start: '2026-10-30T21:00:00Z', sales: [sale('P2', 50), sale('P1', 40), sale('P3', 30)] };

function truth(extra: Sale[] = []): Map<string, { units: bigint; revenue: bigint }> {
  const sums = new Map<string, { units: bigint; revenue: bigint }>();
  for (const s of [...BUILT.flatMap((b) => b.sales), ...extra]) {
    const t = sums.get(s.id) ?? { units: 0n, revenue: 0n };
    sums.set(s.id, { units: t.units + s.units, revenue: t.revenue + s.revenue });
  }
  return sums;
}

const world = useRangeWorld({
  nowMs: NOW_MS,
  env: { DASHBOARD_MAX_RANGE_DAYS: '400' },
  seed: async ({ db, lakeDir }) => {
    await seedProducts(db.knex, Object.keys(CATEGORY).map((id) => ({ id, name: `Product ${id}`, category: CATEGORY[id]! })));
    for (const b of BUILT) await seedBuiltWindow(db.knex, lakeDir, b.interval, new Date(b.start), b.sales, { categoryOf });
    await seedBuiltWindow(db.knex, lakeDir, 'hour', new Date(PREVIOUS_HOUR.start), PREVIOUS_HOUR.sales, { categoryOf });
    await seedSpeedWindow(
      db.knex,
      'hour',
      ESTIMATED_HOUR,
      [
        { id: 'P4', shard: 0, units: 30n, revenue: 150_000n, errorBound: 4n, revenueErrorBound: 400n },
        { id: 'P2', shard: 1, units: 20n, revenue: 2000n, errorBound: 6n, revenueErrorBound: 600n },
      ],
      { updatedAt: new Date('2026-12-02T02:39:00Z') },
    );
  },
});

const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

describe('/api/top over a range', () => {
  it('merges the fewest built tiles exactly, adds the unbuilt hour from the speed layer, and says which hours are which', async () => {
    const res = await call(top, `/api/top?${q({ from: FROM, to: TO, k: '1000' })}`);
    expect(res.status).toBe(200);
    const body = res.body;
    expect(body).toMatchObject({ from: FROM, to: TO, metric: 'units', category: null, source: 'mixed', exact: false, rebuilding: false });
    // Tiles: 2 hours, a day, the month, Dec 1 from its 24 built hours (the day is not built), 2 hours.
    expect(body.tiles.map((t: { interval: string }) => t.interval)).toEqual(['hour', 'hour', 'day', 'month', ...Array(24).fill('hour'), 'hour', 'hour']);
    expect(body.hours).toEqual({
      exact: [{ from: FROM, to: '2026-12-02T02:00:00.000Z' }],
      estimate: [{ from: '2026-12-02T02:00:00.000Z', to: TO }],
      missing: [],
    });
    expect(body.estimateBound).toEqual({ units: '6', revenue: '600' });

    const expected = truth([sale('P4', 30, 5000), sale('P2', 20)]);
    // Ranked by units descending, ties in byte order ('PB' before 'Pa').
    const order = [...expected.entries()].sort((a, b) => (a[1].units === b[1].units ? (a[0] < b[0] ? -1 : 1) : a[1].units > b[1].units ? -1 : 1)).map(([id]) => id);
    expect(body.rows.map((r: { productId: string }) => r.productId)).toEqual(order);
    expect(body.rows.map((r: { rank: number }) => r.rank)).toEqual(order.map((_, i) => i + 1));
    expect(order.indexOf('PB')).toBeLessThan(order.indexOf('Pa'));
    const totalUnits = [...expected.values()].reduce((a, s) => a + s.units, 0n);
    expect(body.totals).toMatchObject({ units: String(totalUnits), revenue: String([...expected.values()].reduce((a, s) => a + s.revenue, 0n)), orders: null, products: null });
    for (const row of body.rows) {
      expect(row.units).toBe(String(expected.get(row.productId)!.units));
      expect(row.revenue).toBe(String(expected.get(row.productId)!.revenue));
      expect(row.errorBound).toBe('6');
      expect(row.share).toBeCloseTo(Number(row.units) / Number(totalUnits), 9);
    }
    expect(body.rows[0]).toMatchObject({ productId: 'P2', name: 'Product P2', category: 'Toys' });
  });

  it('is exact when every hour is built, and compares with the range of the same length before it', async () => {
    const to = '2026-12-02T02:00:00.000Z';
    const res = await call(top, `/api/top?${q({ from: FROM, to, metric: 'revenue' })}`);
    expect(res.body).toMatchObject({ source: 'batch', exact: true, estimateBound: null, hours: { estimate: [], missing: [] } });
    const length = Date.parse(to) - Date.parse(FROM);
    expect(res.body.previous).toEqual({ from: new Date(Date.parse(FROM) - length).toISOString(), to: FROM });
    const expected = truth();
    const byRevenue = [...expected.entries()].sort((a, b) => (a[1].revenue === b[1].revenue ? (a[0] < b[0] ? -1 : 1) : a[1].revenue > b[1].revenue ? -1 : 1));
    expect(res.body.rows.map((r: { productId: string }) => r.productId)).toEqual(byRevenue.map(([id]) => id));
    expect(res.body.totals.products).toBe(String(expected.size));
    // Previous range: only hour 21:00 of Oct 30, by revenue P2 (5000), P1 (4000), P3 (3000).
    const movementOf = (id: string) => res.body.rows.find((r: { productId: string }) => r.productId === id).movement;
    const rankOf = (id: string) => res.body.rows.find((r: { productId: string }) => r.productId === id).rank;
    expect(movementOf('P4')).toEqual({ kind: 'new', by: null });
    const before: Record<string, number> = { P2: 1, P1: 2, P3: 3 };
    for (const id of ['P1', 'P2', 'P3']) {
      const delta = before[id]! - rankOf(id);
      expect(movementOf(id)).toEqual(delta === 0 ? { kind: 'same', by: 0 } : delta > 0 ? { kind: 'up', by: delta } : { kind: 'down', by: -delta });
    }
  });

  it('ranks within a category and gives shares of its total', async () => {
    const res = await call(top, `/api/top?${q({ from: FROM, to: '2026-12-02T02:00:00Z', category: 'Books' })}`);
    expect(res.body.rows.map((r: { productId: string }) => r.productId)).toEqual(['P3', 'P4']);
    const books = truth().get('P3')!.units + truth().get('P4')!.units;
    expect(res.body.categoryTotals).toEqual({ units: String(books), revenue: String(truth().get('P3')!.revenue + truth().get('P4')!.revenue), products: '2', complete: true });
    expect(res.body.rows[0].share).toBeCloseTo(Number(truth().get('P3')!.units) / Number(books), 9);
  });

  it('marks a hour with no data at all as missing', async () => {
    const res = await call(top, `/api/top?${q({ from: '2026-12-02T02:00:00Z', to: '2026-12-02T04:00:00Z' })}`);
    expect(res.body).toMatchObject({ source: 'speed', exact: false });
    expect(res.body.hours).toEqual({ exact: [], estimate: [{ from: '2026-12-02T02:00:00.000Z', to: TO }], missing: [{ from: TO, to: '2026-12-02T04:00:00.000Z' }] });
  });

  it('gives the CSV of the range', async () => {
    const res = await call(topCsv, `/api/top.csv?${q({ from: FROM, to: '2026-12-02T02:00:00Z' })}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="hitboard-top1000-range-2026-10-30T22-to-2026-12-02T02-units.csv"');
    const lines = res.text.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines).toHaveLength(1 + truth().size);
    expect(lines[1]).toMatch(/^1,P2,Product P2,Toys,1204,120400,0,exact,[0-9.]+,range total,same,1$/);
  });

  it.each([
    [{ from: TO, to: FROM }, 'from', /must be before to/],
    [{ from: '2026-10-30T22:30:00Z', to: TO }, 'from', /not the start of a hour window/],
    [{ from: FROM, to: '2026-12-02T03:15:00Z' }, 'to', /not the start of a hour window/],
    [{ from: '2025-01-01T00:00:00Z', to: '2026-02-05T01:00:00Z' }, 'to', /longer than 400 days/],
    [{ from: FROM }, 'to', /required/],
    [{ from: FROM, to: TO, interval: 'day' }, 'interval', /unknown parameter/],
    [{ from: FROM, to: TO, k: '1001' }, 'k', /from 1 to 1000/],
  ])('refuses %j with 400 naming %s', async (params, param, message) => {
    for (const route of [top, topCsv]) {
      const res = await call(route, `/api/top?${q(params as Record<string, string>)}`);
      expect(res.status).toBe(400);
      expect(res.body.param).toBe(param);
      expect(res.body.error).toMatch(message);
    }
  });

  it('says a range over a window being rebuilt for late data is rebuilding', async () => {
    await world.db.knex(TABLES.rollupDirty).insert({ interval: 'day', window_start: new Date('2026-10-31T00:00:00Z'), late_files: 1, late_rows: 3 });
    try {
      const res = await call(top, `/api/top?${q({ from: FROM, to: '2026-12-02T02:00:00Z' })}`);
      expect(res.body).toMatchObject({ rebuilding: true, exact: false, source: 'batch' });
      expect(res.body.tiles.filter((t: { rebuilding: boolean }) => t.rebuilding).map((t: { interval: string; windowStart: string }) => [t.interval, t.windowStart])).toEqual([
        ['day', '2026-10-31T00:00:00.000Z'],
      ]);
    } finally {
      await world.db.knex(TABLES.rollupDirty).delete();
    }
  });
});

describe('the range cache', () => {
  beforeAll(async () => {
    await resetDashboardContext();
    process.env.DASHBOARD_CACHE_MS = '60000';
  });
  afterAll(async () => {
    await resetDashboardContext();
    process.env.DASHBOARD_CACHE_MS = '0';
  });

  it('answers the same range again from the cache, until a tile is rebuilt', async () => {
    const { dashboardContext } = await import('../src/server/context');
    const path = `/api/top?${q({ from: FROM, to: '2026-12-02T02:00:00Z' })}`;
    const first = await call(top, path);
    const stats = () => dashboardContext().ranges.cacheStats();
    const before = stats();
    const second = await call(top, path);
    expect(second.text).toBe(first.text);
    expect(stats()).toEqual({ hits: before.hits + 1, misses: before.misses });

    // Late data rebuilds the day Oct 31: a new file, then a new succeeded run (its build version).
    const rebuilt = [sale('P1', 100), sale('P4', 40, 5000), sale('P3', 5000, 1000)];
    await writeRollupFile(world.lakeDir, 'day', new Date('2026-10-31T00:00:00Z'), rebuilt, categoryOf);
    await world.db.knex(TABLES.rollupRuns).insert({ interval: 'day', window_start: new Date('2026-10-31T00:00:00Z'), status: 'succeeded', started_at: new Date(NOW_MS), finished_at: new Date(NOW_MS), rows: 3 });
    const third = await call(top, path);
    expect(stats().misses).toBe(before.misses + 1);
    expect(third.body.rows[0]).toMatchObject({ productId: 'P3', units: String(truth().get('P3')!.units + 5000n) });
    expect(third.body.tiles.find((t: { interval: string }) => t.interval === 'day').builtAt).toBe(new Date(NOW_MS).toISOString());
  });
});
