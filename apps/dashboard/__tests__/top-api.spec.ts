import { waitFor } from '@hitboard/testkit';
/**
 * /api/top, /api/top.csv, /api/windows, /api/intervals and /api/trend against a real migrated
 * Postgres, read as hitboard_reader: what the view serves, turned into the API's contract.
 */
import type { FreshDatabase } from '@hitboard/testkit';
import { ManualClock, useClock } from '@hitboard/runtime/clock';
import { IntervalRegistry } from '@hitboard/time';
import { READ_ONLY_ROLE, TABLES } from '@hitboard/schema';
import { GET as top } from '../src/app/api/top/route';
import { GET as topCsv } from '../src/app/api/top.csv/route';
import { GET as windows } from '../src/app/api/windows/route';
import { GET as intervals } from '../src/app/api/intervals/route';
import { GET as trend } from '../src/app/api/trend/route';
import { call } from './support/app';
import { seedBatchWindow, seedSpeedWindow } from './support/seed';
import { D27, H09, H10, H11, RUN_FINISHED_H10, SALES_H10, SPEED_UPDATED, useSeededWorld } from './fixtures';

let db: FreshDatabase;
useSeededWorld((seeded) => (db = seeded));

/** "Now" for the route handlers (the one clock, injected): the hour after the seeded speed window, so "the current window" is a choice of the test, not of the hour it runs at. */
const NOW_MS = Date.parse('2026-11-28T12:20:00Z');
let restoreClock: () => void;
beforeAll(() => (restoreClock = useClock(new ManualClock(NOW_MS))));
afterAll(() => restoreClock());

const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

describe('/api/top', () => {
  it('serves a batch window exactly, and batch rows override speed rows of the same window', async () => {
    const res = await call(top, `/api/top?${q({ interval: 'hour', window: H10.toISOString() })}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      interval: 'hour',
      windowStart: H10.toISOString(),
      windowEnd: '2026-11-28T11:00:00.000Z',
      metric: 'units',
      category: null,
      source: 'batch',
      exact: true,
      asOf: RUN_FINISHED_H10.toISOString(),
    });
    expect(res.body.rows).toHaveLength(10);
    expect(res.body.rows.map((r: { productId: string }) => r.productId)).toEqual(['P01', 'P02', 'P03', 'P04', 'P05', 'P06', 'P07', 'P08', 'P09', 'P10']);
    expect(res.body.rows.map((r: { rank: number }) => r.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // The stale speed row (Pa, 999999 units) would rank first if speed leaked through.
    expect(res.body.rows.some((r: { productId: string }) => r.productId === 'Pa')).toBe(false);
    expect(res.body.rows[0]).toMatchObject({ name: 'Product P01', category: 'Toys', units: '1000', revenue: String(1000 * 1999), errorBound: '0' });
  });

  it('gives totals and each row its share of the window total for the metric', async () => {
    const res = await call(top, `/api/top?${q({ interval: 'hour', window: H10.toISOString(), metric: 'revenue' })}`);
    const totalUnits = SALES_H10.reduce((a, s) => a + s.units, 0n);
    const totalRevenue = SALES_H10.reduce((a, s) => a + s.revenue, 0n);
    expect(res.body.totals).toEqual({ units: String(totalUnits), revenue: String(totalRevenue), orders: String(totalUnits), products: '15' });
    expect(res.body.rows[0].productId).toBe('P15'); // ranked by revenue now
    expect(res.body.rows[0].share).toBeCloseTo(Number(10_000_000n) / Number(totalRevenue), 6);
    for (const row of res.body.rows) expect(row.share).toBeCloseTo(Number(row.revenue) / Number(totalRevenue), 6);
  });

  it('tells rank movement against the previous window: new, up, down, same', async () => {
    const res = await call(top, `/api/top?${q({ interval: 'hour', window: H10.toISOString(), k: '15' })}`);
    const move = Object.fromEntries(res.body.rows.map((r: { productId: string; movement: unknown }) => [r.productId, r.movement]));
    expect(move.P01).toEqual({ kind: 'up', by: 2 }); // 3rd in hour 9
    expect(move.P02).toEqual({ kind: 'same', by: 0 });
    expect(move.P03).toEqual({ kind: 'down', by: 2 }); // 1st in hour 9
    expect(move.P11).toEqual({ kind: 'new', by: null }); // absent in hour 9
    // The first hour seeded has no previous window with data: no comparison (not ten NEWs).
    const first = await call(top, `/api/top?${q({ interval: 'hour', window: H09.toISOString() })}`);
    expect(first.body.rows.map((r: { movement: { kind: string } }) => r.movement.kind)).toEqual(Array(10).fill('none'));
  });

  it('ranks within a category when one is asked for (exact for batch windows)', async () => {
    const res = await call(top, `/api/top?${q({ interval: 'hour', window: H10.toISOString(), category: 'Toys' })}`);
    expect(res.status).toBe(200);
    expect(res.body.category).toBe('Toys');
    expect(res.body.rows.map((r: { productId: string }) => r.productId)).toEqual(['P01', 'P04', 'P07', 'P10', 'P13']);
    expect(res.body.rows.map((r: { rank: number }) => r.rank)).toEqual([1, 2, 3, 4, 5]);
    expect(res.body.rows.every((r: { category: string }) => r.category === 'Toys')).toBe(true);
  });

  it('serves a speed window as an estimate with bounds, summed over shards, ties in byte order', async () => {
    const res = await call(top, `/api/top?${q({ interval: 'hour', window: H11.toISOString() })}`);
    expect(res.body).toMatchObject({ source: 'speed', exact: false, asOf: SPEED_UPDATED.toISOString() });
    expect(res.body.rows.map((r: { productId: string }) => r.productId)).toEqual(['PB', 'Pa', 'P01', 'P04']);
    expect(res.body.rows[0]).toMatchObject({ rank: 1, units: '50', errorBound: '3' });
    expect(res.body.totals).toMatchObject({ units: '150', orders: null, products: null }); // two shards' units summed; the speed layer counts no orders or distinct products
    expect(res.body.rows[0].share).toBeCloseTo(50 / 150, 6);
    const revenue = await call(top, `/api/top?${q({ interval: 'hour', window: H11.toISOString(), metric: 'revenue' })}`);
    expect(revenue.body.rows[0]).toMatchObject({ productId: 'PB', errorBound: '5997' });
    // Movement against hour 10 (batch): P01 was 1st there, 3rd here.
    expect(res.body.rows[2].movement).toEqual({ kind: 'down', by: 2 });
  });

  it('keeps amounts past 2^53 exact as strings', async () => {
    const res = await call(top, `/api/top?${q({ interval: 'day', window: D27.toISOString(), metric: 'revenue' })}`);
    expect(res.body.rows[0]).toMatchObject({ productId: 'P01', units: '9007199254740993', revenue: '123456789012345678' });
    expect(res.body.totals.units).toBe('9007199254740998');
    expect(res.text).toContain('"units":"9007199254740993"');
  });

  it('answers an empty window with source none and no rows, and defaults to the current window', async () => {
    const empty = await call(top, `/api/top?${q({ interval: 'week', window: '2026-11-16T00:00:00.000Z' })}`);
    expect(empty.body).toMatchObject({ source: 'none', exact: false, asOf: null, totals: null, rows: [] });
    const now = IntervalRegistry.standard('UTC').windowAt('hour', NOW_MS);
    await seedSpeedWindow(db.knex, 'hour', now.start, [{ id: 'P07', shard: 0, units: 3n, revenue: 300n }]);
    const current = await call(top, `/api/top?${q({ interval: 'hour' })}`);
    expect(current.body).toMatchObject({ windowStart: now.start.toISOString(), source: 'speed' });
    expect(current.body.rows.map((r: { productId: string }) => r.productId)).toEqual(['P07']);
  });

  it('lets only the browser keep answers: a closed exact window revalidated every time, live or estimated ones for seconds', async () => {
    const exact = await call(top, `/api/top?${q({ interval: 'hour', window: H10.toISOString() })}`);
    expect(exact.headers.get('cache-control')).toBe('private, no-cache');
    const estimated = await call(top, `/api/top?${q({ interval: 'hour', window: H11.toISOString() })}`);
    expect(estimated.headers.get('cache-control')).toBe('private, max-age=5');
    const live = await call(top, `/api/top?${q({ interval: 'hour' })}`);
    expect(live.headers.get('cache-control')).toBe('private, max-age=5');
  });

  it('answers 304 while a closed exact window is unchanged, and the rebuilt figures once late data changed it', async () => {
    const H05 = new Date('2026-11-28T05:00:00Z');
    await seedBatchWindow(db.knex, 'hour', H05, [{ id: 'P01', units: 4n, revenue: 400n }, { id: 'P02', units: 2n, revenue: 200n }]);
    const path = `/api/top?${q({ interval: 'hour', window: H05.toISOString() })}`;
    const first = await call(top, path);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await call(top, path, { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    // A late sale re-rolled the hour: P02 now leads. The browser's copy must not be confirmed.
    await db.knex(TABLES.batchTable).where({ interval: 'hour', window_start: H05, product_id: 'P02' }).update({ units: '9', rank_units: 1 });
    await db.knex(TABLES.batchTable).where({ interval: 'hour', window_start: H05, product_id: 'P01' }).update({ rank_units: 2 });
    const rebuilt = await call(top, path, { 'if-none-match': etag });
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.headers.get('etag')).not.toBe(etag);
    expect(rebuilt.body.rows.map((r: { productId: string; units: string }) => [r.productId, r.units])).toEqual([['P02', '9'], ['P01', '4']]);
    for (const table of [TABLES.batchTable, TABLES.windowTotals, TABLES.rollupRuns]) await db.knex(table).where({ interval: 'hour', window_start: H05 }).delete();
  });
});

describe('/api/top under a batch publish', () => {
  it('reads one response from one snapshot: rows and totals never straddle a publish', async () => {
    // A speed window that the batch layer publishes while the request reads it. The publisher
    // locks window_totals first, so the request gets its rows and then waits for the totals until
    // the publish commits: read apart, the rows were the estimate and the totals the batch's.
    const window = new Date('2026-11-29T10:00:00Z'); // newer than the seeded world: the windows list keeps its oldest three
    const q1 = q({ interval: 'hour', window: window.toISOString() });
    await seedSpeedWindow(db.knex, 'hour', window, [
      { id: 'P01', shard: 0, units: 40n, revenue: 400n },
      { id: 'P02', shard: 0, units: 30n, revenue: 300n },
    ]);
    const publish = await db.knex.transaction();
    try {
      await publish.raw(`LOCK TABLE ${TABLES.windowTotals} IN ACCESS EXCLUSIVE MODE`);
      await seedBatchWindow(publish, 'hour', window, [
        { id: 'P01', units: 45n, revenue: 450n },
        { id: 'P02', units: 35n, revenue: 350n },
        { id: 'P03', units: 20n, revenue: 200n },
      ]);
      await publish(TABLES.speedTable).where({ interval: 'hour', window_start: window }).delete();
      const during = call(top, `/api/top?${q1}`);
      await waitFor('the request to wait for the publisher (a lock wait in pg_stat_activity)', async () => readerWaitsForALock(), 30_000, 50);
      await publish.commit();
      const served = (await during).body;
      // All from before the publish (the snapshot the request started in), or all after: never mixed.
      expect({ source: served.source, units: served.rows.map((r: { units: string }) => r.units), totals: served.totals?.units }).toEqual(
        served.source === 'speed' ? { source: 'speed', units: ['40', '30'], totals: '70' } : { source: 'batch', units: ['45', '35', '20'], totals: '100' },
      );
    } finally {
      if (!publish.isCompleted()) await publish.rollback();
    }
    const after = await call(top, `/api/top?${q1}`);
    expect(after.body).toMatchObject({ source: 'batch', exact: true, totals: { units: '100' } });
  });

  /** Whether one of the dashboard's queries is blocked on a lock (the publisher's). */
  async function readerWaitsForALock(): Promise<boolean> {
    const { rows } = await db.knex.raw<{ rows: unknown[] }>(`SELECT 1 FROM pg_stat_activity WHERE usename = ? AND wait_event_type = 'Lock'`, [READ_ONLY_ROLE]);
    return rows.length > 0;
  }
});

describe('/api/top.csv', () => {
  it('downloads the full ranked list, not just ten rows', async () => {
    const res = await call(topCsv, `/api/top.csv?${q({ interval: 'hour', window: H10.toISOString() })}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="hitboard-top1000-hour-2026-11-28T10-units.csv"');
    const lines = res.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('rank,product_id,name,category,units,revenue_cents,error_bound,source,share,share_of,movement,previous_rank');
    expect(lines).toHaveLength(1 + 15);
    expect(lines[1]).toMatch(/^1,P01,Product P01,Toys,1000,1999000,0,exact,0\.\d+,window total,up,3$/);
    expect(lines[15]).toMatch(/^15,P15,/);
  });
});

describe('/api/windows and /api/intervals', () => {
  it('lists the windows the reader can see, newest first, with their source', async () => {
    const res = await call(windows, `/api/windows?${q({ interval: 'hour' })}`);
    const listed = res.body.windows.map((w: { windowStart: string; source: string }) => [w.windowStart, w.source]);
    expect(listed.slice(-3)).toEqual([
      [H11.toISOString(), 'speed'],
      [H10.toISOString(), 'batch'],
      [H09.toISOString(), 'batch'],
    ]);
    expect(res.body.windows[listed.length - 1].windowEnd).toBe(H10.toISOString());
    const limited = await call(windows, `/api/windows?${q({ interval: 'hour', limit: '1' })}`);
    expect(limited.body.windows).toHaveLength(1);
  });

  it('offers every registered interval but minute, from the registry', async () => {
    const res = await call(intervals, '/api/intervals');
    expect(res.body).toEqual({
      timeZone: 'UTC',
      intervals: [
        { name: 'hour', rolledUpFrom: 'minute' },
        { name: 'day', rolledUpFrom: 'hour' },
        { name: 'week', rolledUpFrom: 'day' },
        { name: 'month', rolledUpFrom: 'day' },
        { name: 'year', rolledUpFrom: 'month' },
      ],
    });
  });
});

describe('/api/trend', () => {
  it('gives the product per window with gaps where it is not stored, and a trailing moving average', async () => {
    const res = await call(trend, `/api/trend?${q({ productId: 'P01', interval: 'hour', from: H09.toISOString(), to: '2026-11-28T12:00:00Z', ma: '2' })}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ productId: 'P01', name: 'Product P01', category: 'Toys', interval: 'hour', metric: 'units', movingAverageWindows: 2 });
    expect(res.body.points.map((p: { value: string | null }) => p.value)).toEqual(['700', '1000', '40']);
    expect(res.body.points.map((p: { movingAverage: number | null }) => p.movingAverage)).toEqual([700, 850, 520]);
    expect(res.body.points.map((p: { source: string }) => p.source)).toEqual(['batch', 'batch', 'speed']);
    const gap = await call(trend, `/api/trend?${q({ productId: 'P11', interval: 'hour', from: H09.toISOString(), to: H11.toISOString() })}`);
    expect(gap.body.points.map((p: { value: string | null }) => p.value)).toEqual([null, '500']);
  });
});
