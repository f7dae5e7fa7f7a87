import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { rollupFilePath, sqlString, type RawCell } from '@hitboard/lake';
import { seededRandom } from '@hitboard/random';
import { CHANNEL_UNKNOWN, TABLES, TOP_N_STORED, type StoredChannel } from '@hitboard/schema';
import { byteOrder, ranksBy } from '@hitboard/testkit';
import type { Window } from '@hitboard/time';
import { runWindow } from '../src/rollup-task';
import { runReadyWindows } from '../src/runner';
import {
  addProducts,
  batchRows,
  batchTotals,
  expectedWindow,
  H,
  randomCells,
  scenario,
  setWatermark,
  writeChannelFlush,
  writeFlush,
  type ChannelCell,
  type ExpectedRow,
  type Scenario,
} from './support';

/**
 * Issue 27: a window's rollup keeps every (product, channel), over a lake of both shapes: raw files
 * without a `channel` column (read as 'unknown') beside raw files with one, and a day rolled from an
 * hour rollup of the older shape (its rows count as 'unknown') beside one of the newer. The overall rows
 * and totals are exactly what they were (plain JS sums of every cell); each channel's rows rank within
 * the channel (ties by product_id in byte order, no category ranks); a window's channel totals sum to
 * its overall totals.
 */
describe('per-channel rollups', () => {
  let s: Scenario;
  beforeEach(async () => (s = await scenario('UTC')));
  afterEach(() => s.close());

  const day = Date.parse('2026-03-04T00:00:00Z');
  const channels = ['web', 'web', 'web', 'app', 'store', 'marketplace'] as const; // web most, so it passes the 1000 cut

  function withChannels(seed: number, cells: readonly RawCell[]): ChannelCell[] {
    const r = seededRandom(seed);
    return cells.map((c) => ({ ...c, channel: channels[Math.floor(r() * channels.length)]! }));
  }

  /** The independent answer for one channel: its cells' sums per product, ranked within it; category ranks null. */
  function expectedChannel(cells: readonly ChannelCell[], w: Window, catalog: ReadonlyMap<string, string>) {
    const { totals, all } = sumsOf(cells, w, catalog);
    const ru = ranksBy(all, (r) => r.units, (r) => r.product_id);
    const rr = ranksBy(all, (r) => r.revenue_cents, (r) => r.product_id);
    const cap = (n: number) => (n <= TOP_N_STORED ? n : null);
    const rows: ExpectedRow[] = all
      .map((r) => ({ ...r, rank_units: cap(ru.get(r.product_id)!), rank_revenue: cap(rr.get(r.product_id)!), category_rank_units: null, category_rank_revenue: null }))
      .filter((r) => r.rank_units !== null || r.rank_revenue !== null)
      .sort((a, b) => byteOrder(a.product_id, b.product_id));
    return { rows, totals };
  }

  function sumsOf(cells: readonly RawCell[], w: Window, catalog: ReadonlyMap<string, string>) {
    const sums = new Map<string, { units: bigint; revenue_cents: bigint; orders: bigint }>();
    for (const c of cells) {
      if (c.minuteStartMs < w.start.getTime() || c.minuteStartMs >= w.end.getTime()) continue;
      const x = sums.get(c.productId) ?? { units: 0n, revenue_cents: 0n, orders: 0n };
      x.units += BigInt(c.units);
      x.revenue_cents += BigInt(c.revenueCents);
      x.orders += BigInt(c.orders);
      sums.set(c.productId, x);
    }
    const all = [...sums].map(([product_id, x]) => ({ product_id, category: catalog.get(product_id) ?? '', ...x }));
    const totals = {
      units: all.reduce((n, r) => n + r.units, 0n),
      revenue_cents: all.reduce((n, r) => n + r.revenue_cents, 0n),
      orders: all.reduce((n, r) => n + r.orders, 0n),
      products: BigInt(all.length),
    };
    return { totals, all };
  }

  /** Rewrites a built window's full rollup file in the shape before issue 27: one row per product, no channel column. */
  async function rewriteAsOlderShape(w: Window) {
    const path = join(s.lakeDir, rollupFilePath(w.interval, w.start.getTime()));
    const duck = await DuckDBInstance.create(':memory:');
    const c = await duck.connect();
    try {
      await c.run(
        `CREATE TABLE older AS SELECT product_id, min(category) AS category, sum(units)::BIGINT AS units, sum(revenue_cents)::BIGINT AS revenue_cents, sum(orders)::BIGINT AS orders
           FROM read_parquet(${sqlString(path)}) GROUP BY product_id`,
      );
      await c.run(`COPY (SELECT * FROM older ORDER BY product_id) TO ${sqlString(path)} (FORMAT parquet)`);
      const columns = (await c.runAndReadAll(`SELECT name FROM parquet_schema(${sqlString(path)})`)).getColumnsJS()[0] as string[];
      expect(columns).not.toContain('channel');
    } finally {
      c.closeSync();
      duck.closeSync();
    }
  }

  it('keep the overall figures, rank within the channel and sum to the overall, for hours and a day', async () => {
    const catalog = new Map<string, string>();
    for (let i = 0; i < 1600; i++) catalog.set(`p-${String(i).padStart(4, '0')}`, i % 2 === 0 ? 'toys' : 'books');
    await addProducts(s, [...catalog].map(([productId, category]) => ({ productId, category })));
    // Hour 0: raw files of both shapes; hour 1: the newer shape only; hour 2: the older only.
    const older0 = randomCells(1, day, day + H, 3000, 1700);
    const newer0 = withChannels(2, randomCells(3, day, day + H, 3000, 1700));
    const newer1 = withChannels(4, randomCells(5, day + H, day + 2 * H, 9000, 1700));
    const older2 = randomCells(6, day + 2 * H, day + 3 * H, 2000, 1700);
    // Exact ties within one channel: ranked by product_id in byte order.
    const ties = ['a-tie', 'B-tie', 'é-tie', 'Z-tie'].map((productId): ChannelCell => ({ minuteStartMs: day + H + 60_000, productId, units: 900, revenueCents: 999_999, orders: 1, channel: 'app' }));
    await writeFlush(s, older0, 0);
    await writeChannelFlush(s, newer0, 1);
    await writeChannelFlush(s, [...newer1, ...ties], 1);
    await writeFlush(s, older2, 0);
    await setWatermark(s, day + 24 * H);

    expect((await runReadyWindows(s.deps, { concurrency: 2, attempts: 1, intervals: ['hour'] })).failed).toBe(0);
    const hours = s.registry.windowsBetween('hour', day, day + 3 * H);
    // Hour 1's rollup file as an older build left it: the day reads its rows as 'unknown'.
    await rewriteAsOlderShape(hours[1]!);
    const dayWindow = s.registry.windowAt('day', day);
    expect((await runWindow(s.deps, dayWindow, 'scheduled')).status).toBe('succeeded');

    const asUnknown = (cells: readonly RawCell[]): ChannelCell[] => cells.map((c) => ({ ...c, channel: CHANNEL_UNKNOWN }));
    const every = [...older0, ...newer0, ...newer1, ...ties, ...older2];
    const asRead = new Map<Window, ChannelCell[]>([
      [hours[0]!, [...asUnknown(older0), ...newer0]],
      [hours[1]!, [...newer1, ...ties]],
      [hours[2]!, asUnknown(older2)],
      [dayWindow, [...asUnknown(older0), ...newer0, ...asUnknown([...newer1, ...ties]), ...asUnknown(older2)]],
    ]);
    for (const [w, cells] of asRead) {
      // The overall figures: exactly today's (every cell, whatever its file's shape).
      const overall = expectedWindow(every, w, catalog);
      expect(await batchRows(s, w)).toEqual(overall.rows);
      expect(await batchTotals(s, w)).toEqual(overall.totals);
      // Per channel: rows ranked within it, totals; the channels stored are those read.
      const seen = [...new Set(cells.map((c) => c.channel))].sort();
      const stored = await s.knex(TABLES.windowTotals).pluck('channel').where({ interval: w.interval, window_start: w.start, source: 'batch' }).whereNot({ channel: 'all' }).orderBy('channel');
      expect(stored).toEqual(seen);
      const sum = { units: 0n, revenue_cents: 0n, orders: 0n };
      for (const channel of seen) {
        const expected = expectedChannel(cells.filter((c) => c.channel === channel), w, catalog);
        expect(await batchRows(s, w, channel as StoredChannel)).toEqual(expected.rows);
        const totals = await batchTotals(s, w, channel as StoredChannel);
        expect(totals).toEqual(expected.totals);
        sum.units += BigInt(totals.units);
        sum.revenue_cents += BigInt(totals.revenue_cents);
        sum.orders += BigInt(totals.orders);
      }
      expect(sum).toEqual({ units: overall.totals.units, revenue_cents: overall.totals.revenue_cents, orders: overall.totals.orders });
    }
    // The per-channel cut is real (web has more than 1000 products in hour 1), and app's ties rank in byte order.
    const web = await batchRows(s, hours[1]!, 'web');
    expect(web.some((r) => r.rank_units === null) && web.some((r) => r.rank_revenue === null)).toBe(true);
    const app = await s.knex(TABLES.batchTable).pluck('product_id').where({ interval: 'hour', window_start: hours[1]!.start, channel: 'app' }).whereIn('product_id', ['a-tie', 'B-tie', 'é-tie', 'Z-tie']).orderBy('rank_units');
    expect(app).toEqual(['B-tie', 'Z-tie', 'a-tie', 'é-tie']);
  });
});
