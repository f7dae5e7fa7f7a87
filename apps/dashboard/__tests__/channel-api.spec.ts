/**
 * `channel=` on /api/top (window and range form), /api/top.csv and /api/trend against a real migrated
 * Postgres read as hitboard_reader: a channel's figures come from its own rows of the serving tables
 * (channel_top_1000, channel_totals), ranked within the channel and compared with the same channel's
 * previous window or range; 'all' (the default) answers exactly what the overall rows say; anything
 * else is a 400 naming the parameter. The answer cache (on here, 10 minutes) keeps channels apart.
 *
 * The world (UTC), every amount at 100 cents a unit, overall = web + app:
 *   hour 09 (batch)  web A8 B2 C1        app A2 B18 C29   → overall A10 B20 C30
 *   hour 10 (batch)  web A5 B30 C20 D5   app A45 B10 C10  → overall A50 B40 C30 D5
 *   hour 11 (speed)  web  shard 0: A1 B3 (bound 2), shard 1: C2 (bound 4); overall shard 0: A7 B3, shard 1: C9 (bound 5)
 *   hour 12 (speed)  web  shard 0: A9 C4 (bound 1);                        overall shard 0: B50 A9 C4 (bound 3)
 */
import { TABLES, type ChannelFilter } from '@hitboard/schema';
import { waitFor } from '@hitboard/testkit';
import { GET as top } from '../src/app/api/top/route';
import { GET as topCsv } from '../src/app/api/top.csv/route';
import { GET as trend } from '../src/app/api/trend/route';
import { dashboardContext } from '../src/server/context';
import { call } from './support/app';
import { seedBatchWindow, seedProducts, seedSpeedWindow, type Sale, type SpeedSale } from './support/seed';
import { useRangeWorld } from './support/rollup-lake';

const H09 = new Date('2026-11-28T09:00:00Z');
const H10 = new Date('2026-11-28T10:00:00Z');
const H11 = new Date('2026-11-28T11:00:00Z');
const H12 = new Date('2026-11-28T12:00:00Z');
const H13 = new Date('2026-11-28T13:00:00Z');
const NOW_MS = Date.parse('2026-11-28T13:20:00Z');
const CATEGORY: Record<string, string> = { A: 'Toys', B: 'Toys', C: 'Books', D: 'Books' };
const categoryOf = (id: string) => CATEGORY[id] ?? '';

const sales = (units: Record<string, number>): Sale[] => Object.entries(units).map(([id, u]) => ({ id, units: BigInt(u), revenue: BigInt(u * 100) }));
/** The overall figures of a window: the sum over its channels (the test's truth, not the code's). */
function overallOf(...channels: Sale[][]): Sale[] {
  const sums = new Map<string, bigint>();
  for (const s of channels.flat()) sums.set(s.id, (sums.get(s.id) ?? 0n) + s.units);
  return [...sums].map(([id, units]) => ({ id, units, revenue: units * 100n }));
}
const speed = (shard: number, bound: number, units: Record<string, number>): SpeedSale[] =>
  sales(units).map((s) => ({ ...s, shard, errorBound: BigInt(bound), revenueErrorBound: BigInt(bound * 100) }));

const WEB_H09 = sales({ A: 8, B: 2, C: 1 });
const APP_H09 = sales({ A: 2, B: 18, C: 29 });
const WEB_H10 = sales({ A: 5, B: 30, C: 20, D: 5 });
const APP_H10 = sales({ A: 45, B: 10, C: 10 });

const world = useRangeWorld({
  nowMs: NOW_MS,
  // A long cache: an answer cached under the wrong key would be served to another channel within the test.
  env: { DASHBOARD_CACHE_MS: '600000' },
  seed: async ({ db }) => {
    const knex = db.knex;
    await seedProducts(knex, Object.keys(CATEGORY).map((id) => ({ id, name: `Product ${id}`, category: CATEGORY[id]! })));
    for (const [start, web, app] of [
      [H09, WEB_H09, APP_H09],
      [H10, WEB_H10, APP_H10],
    ] as const) {
      await seedBatchWindow(knex, 'hour', start, overallOf(web, app), { categoryOf });
      await seedBatchWindow(knex, 'hour', start, web, { categoryOf, channel: 'web' });
      await seedBatchWindow(knex, 'hour', start, app, { categoryOf, channel: 'app' });
    }
    await seedSpeedWindow(knex, 'hour', H11, [...speed(0, 5, { A: 7, B: 3 }), ...speed(1, 5, { C: 9 })], { updatedAt: H12 });
    await seedSpeedWindow(knex, 'hour', H11, [...speed(0, 2, { A: 1, B: 3 }), ...speed(1, 4, { C: 2 })], { updatedAt: H12, channel: 'web' });
    await seedSpeedWindow(knex, 'hour', H12, speed(0, 3, { B: 50, A: 9, C: 4 }), { updatedAt: H13 });
    await seedSpeedWindow(knex, 'hour', H12, speed(0, 1, { A: 9, C: 4 }), { updatedAt: H13, channel: 'web' });
  },
});

const q = (params: Record<string, string>) => new URLSearchParams(params).toString();
const windowTop = (start: Date, extra: Record<string, string> = {}) => call(top, `/api/top?${q({ interval: 'hour', window: start.toISOString(), ...extra })}`);
const rangeTop = (from: Date, to: Date, extra: Record<string, string> = {}) => call(top, `/api/top?${q({ from: from.toISOString(), to: to.toISOString(), ...extra })}`);
type Row = { productId: string; rank: number; units: string; errorBound: string; share: number | null; movement: { kind: string; by: number | null } };
const ids = (body: { rows: Row[] }) => body.rows.map((r) => r.productId);
const moves = (body: { rows: Row[] }) => Object.fromEntries(body.rows.map((r) => [r.productId, r.movement]));

describe('channel= is validated', () => {
  it.each([
    ['a window', `/api/top?${q({ interval: 'hour', channel: 'phone' })}`, top],
    ['a range', `/api/top?${q({ from: H10.toISOString(), to: H11.toISOString(), channel: 'phone' })}`, top],
    ['the CSV', `/api/top.csv?${q({ interval: 'hour', channel: 'phone' })}`, topCsv],
    ['the trend', `/api/trend?${q({ productId: 'A', channel: 'phone' })}`, trend],
    ['an upper-case name', `/api/top?${q({ interval: 'hour', channel: 'Web' })}`, top],
  ])('refuses an unknown channel for %s with a 400 naming the parameter and the accepted ones', async (_what, path, handler) => {
    const res = await call(handler, path);
    expect(res.status).toBe(400);
    expect(res.body.param).toBe('channel');
    expect(res.body.error).toContain('all, web, app, store, marketplace, unknown');
  });

  it('refuses a channel with a category (a channel list has no category ranks), for a window and a range alike', async () => {
    for (const res of [await windowTop(H10, { channel: 'web', category: 'Toys' }), await rangeTop(H10, H11, { channel: 'web', category: 'Toys' })]) {
      expect(res.status).toBe(400);
      expect(res.body.param).toBe('channel');
      expect(res.body.error).toContain('category');
    }
    // Every channel together with a category is what it always was.
    expect((await windowTop(H10, { channel: 'all', category: 'Toys' })).status).toBe(200);
  });
});

describe("channel 'all'", () => {
  it("answers exactly what no channel answers, and says 'all': windows (batch and speed), ranges, trend", async () => {
    for (const start of [H10, H11]) {
      const plain = await windowTop(start);
      const all = await windowTop(start, { channel: 'all' });
      expect(all.status).toBe(200);
      expect(all.body).toEqual(plain.body);
      expect(all.body.channel).toBe('all');
    }
    expect((await rangeTop(H12, H13, { channel: 'all' })).body).toEqual((await rangeTop(H12, H13)).body);
    const trendPath = `/api/trend?${q({ productId: 'A', from: H09.toISOString(), to: H13.toISOString() })}`;
    expect((await call(trend, `${trendPath}&channel=all`)).body).toEqual((await call(trend, trendPath)).body);
  });

  it('serves the overall rows: the sums over the channels, not any one channel', async () => {
    const res = await windowTop(H10, { k: '10' });
    expect(ids(res.body)).toEqual(['A', 'B', 'C', 'D']);
    expect(res.body.rows[0].units).toBe('50');
    expect(res.body.totals).toEqual({ units: '125', revenue: '12500', orders: '125', products: '4' });
    expect(moves(res.body)).toEqual({ A: { kind: 'up', by: 2 }, B: { kind: 'same', by: 0 }, C: { kind: 'down', by: 2 }, D: { kind: 'new', by: null } });
  });
});

describe('one channel of a window', () => {
  it('from batch rows: ranked within the channel, its totals and shares, movement against the same channel', async () => {
    const res = await windowTop(H10, { channel: 'web' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ channel: 'web', source: 'batch', exact: true, category: null });
    expect(ids(res.body)).toEqual(['B', 'C', 'A', 'D']);
    expect(res.body.rows.map((r: Row) => [r.rank, r.units])).toEqual([
      [1, '30'],
      [2, '20'],
      [3, '5'],
      [4, '5'],
    ]);
    expect(res.body.totals).toEqual({ units: '60', revenue: '6000', orders: '60', products: '4' });
    expect(res.body.rows[0].share).toBeCloseTo(0.5, 9);
    // Web in hour 9 ranked A, B, C: the overall ranks (C, B, A) would give other movements.
    expect(moves(res.body)).toEqual({ B: { kind: 'up', by: 1 }, C: { kind: 'up', by: 1 }, A: { kind: 'down', by: 2 }, D: { kind: 'new', by: null } });
    // Another channel of the same window: its own list.
    const app = await windowTop(H10, { channel: 'app' });
    expect(ids(app.body)).toEqual(['A', 'B', 'C']);
    expect(app.body.totals.units).toBe('65');
  });

  it('from speed rows: summed over shards, ranked within the channel, with the channel’s own bounds and totals', async () => {
    const res = await windowTop(H11, { channel: 'web' });
    expect(res.body).toMatchObject({ channel: 'web', source: 'speed', exact: false, asOf: H12.toISOString() });
    expect(res.body.rows.map((r: Row) => [r.productId, r.rank, r.units, r.errorBound])).toEqual([
      ['B', 1, '3', '2'],
      ['C', 2, '2', '4'],
      ['A', 3, '1', '2'],
    ]);
    expect(res.body.totals).toMatchObject({ units: '6', revenue: '600' });
    // Against web in hour 10 (B, C, A first): unchanged. Against the overall hour 10 it would not be.
    expect(moves(res.body)).toEqual({ B: { kind: 'same', by: 0 }, C: { kind: 'same', by: 0 }, A: { kind: 'same', by: 0 } });
  });

  it('a channel with no rows in a window answers an empty list, not the overall one', async () => {
    const res = await windowTop(H10, { channel: 'store' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ channel: 'store', source: 'none', rows: [], totals: null });
  });
});

describe('one channel of a range (its unbuilt hours from the channel’s speed rows)', () => {
  it('ranks the channel’s estimates, with its bound and totals, and compares with the same channel’s range before', async () => {
    // 'all' first: a cache keyed without the channel would serve this answer to web below.
    const all = await rangeTop(H12, H13);
    expect(ids(all.body)).toEqual(['B', 'A', 'C']);
    const web = await rangeTop(H12, H13, { channel: 'web' });
    expect(web.status).toBe(200);
    expect(web.body).toMatchObject({ channel: 'web', source: 'speed', estimateBound: { units: '1', revenue: '100' } });
    expect(web.body.rows.map((r: Row) => [r.productId, r.rank, r.units])).toEqual([
      ['A', 1, '9'],
      ['C', 2, '4'],
    ]);
    expect(web.body.totals).toMatchObject({ units: '13', revenue: '1300' });
    // The range before, [11:00, 12:00) in web, ranked B, C, A.
    expect(moves(web.body)).toEqual({ A: { kind: 'up', by: 2 }, C: { kind: 'same', by: 0 } });
  });
});

describe('the CSV of a channel', () => {
  it('says its channel in its file name and in what shares are of; every channel together keeps its name', async () => {
    const res = await call(topCsv, `/api/top.csv?${q({ interval: 'hour', window: H10.toISOString(), channel: 'web' })}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="hitboard-top1000-hour-2026-11-28T10-units-web.csv"');
    const lines = res.text.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(['B', 'C', 'A', 'D']);
    expect(lines.slice(1).every((l) => l.includes(',web window total,'))).toBe(true);
    const all = await call(topCsv, `/api/top.csv?${q({ interval: 'hour', window: H10.toISOString() })}`);
    expect(all.headers.get('content-disposition')).toBe('attachment; filename="hitboard-top1000-hour-2026-11-28T10-units.csv"');
    expect(all.text).toContain(',window total,');
    const range = await call(topCsv, `/api/top.csv?${q({ from: H12.toISOString(), to: H13.toISOString(), channel: 'web' })}`);
    expect(range.headers.get('content-disposition')).toBe('attachment; filename="hitboard-top1000-range-2026-11-28T12-to-2026-11-28T13-units-web.csv"');
    expect(range.text).toContain(',web range total,');
  });
});

describe('the trend of a product in a channel', () => {
  it('reads the channel’s figure and rank per window', async () => {
    const res = await call(trend, `/api/trend?${q({ productId: 'A', from: H09.toISOString(), to: H13.toISOString(), channel: 'web' })}`);
    expect(res.status).toBe(200);
    expect(res.body.channel).toBe('web');
    expect(res.body.points.map((p: { value: string | null; rank: number | null }) => [p.value, p.rank])).toEqual([
      ['8', 1],
      ['5', 3],
      ['1', 3],
      ['9', 1],
    ]);
  });
});

describe('the answer cache and channels', () => {
  it('keeps each channel’s answer apart, and a change to a channel’s rows drops the window’s answers', async () => {
    await waitFor('the LISTEN connection', async () => dashboardContext().changes?.listening, 30_000);
    const before = dashboardContext().data.cacheStats();
    const all = await windowTop(H10, { k: '3' });
    const web = await windowTop(H10, { k: '3', channel: 'web' });
    expect(ids(all.body)).toEqual(['A', 'B', 'C']);
    expect(ids(web.body)).toEqual(['B', 'C', 'A']);
    await windowTop(H10, { k: '3', channel: 'web' });
    expect(dashboardContext().data.cacheStats().hits).toBe(before.hits + 1); // the cache is in play
    // Late web sales for hour 10: D overtakes in web (the batch layer would republish; a row update is announced alike).
    const heard = dashboardContext().changes!.heard;
    const knex = world.db.knex;
    await knex(TABLES.batchTable)
      .where({ interval: 'hour', window_start: H10, channel: 'web' satisfies ChannelFilter })
      .update({
        units: knex.raw(`CASE WHEN product_id = 'D' THEN 99 ELSE units END`),
        rank_units: knex.raw(`CASE product_id WHEN 'D' THEN 1 WHEN 'B' THEN 2 WHEN 'C' THEN 3 ELSE 4 END`),
      });
    await waitFor('the change to be announced', async () => (dashboardContext().changes!.heard > heard ? true : undefined), 30_000);
    const after = await windowTop(H10, { k: '3', channel: 'web' });
    expect(ids(after.body)).toEqual(['D', 'B', 'C']);
  });
});
