/**
 * RangeSumsReader with channels (issue 27): tiles of both shapes in one range — an older rollup file
 * (one row per product, no `channel` column) beside newer ones (a row per product and channel). Without
 * a channel the answer is what the same range gave when every tile was of the older shape; with one,
 * only its rows count (the older tile's as 'unknown'), and the channels' figures add up to the overall.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { STORED_CHANNELS } from '@hitboard/schema';
import { sqlString } from './columns';
import { RangeSumsReader, type RangeSums } from './range-sums';
import { rollupFilePath } from './rollup-paths';
import { LocalLakeStore, type LakeStore } from './store';

type Row = [productId: string, channel: string, category: string, units: number, revenueCents: number, orders: number];

/** Writes a tile's rollup file: the newer shape (with `channel`), or the older one (rows summed per product, no channel column). */
async function putTile(store: LakeStore, interval: string, startMs: number, rows: Row[], shape: 'newer' | 'older'): Promise<void> {
  mkdirSync(store.stagingDir, { recursive: true });
  const file = join(store.stagingDir, `r-${interval}-${shape}.parquet`);
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  try {
    const values = rows.map(([p, ch, cat, u, r, o]) => `(${sqlString(p)}, ${sqlString(ch)}, ${sqlString(cat)}, ${u}::BIGINT, ${r}::BIGINT, ${o}::BIGINT)`).join(', ');
    const select =
      shape === 'newer'
        ? `SELECT * FROM v ORDER BY product_id, channel`
        : `SELECT product_id, min(category) AS category, sum(units)::BIGINT AS units, sum(revenue_cents)::BIGINT AS revenue_cents, sum(orders)::BIGINT AS orders FROM v GROUP BY product_id ORDER BY product_id`;
    await c.run(`COPY (WITH v(product_id, channel, category, units, revenue_cents, orders) AS (VALUES ${values}) ${select}) TO ${sqlString(file)} (FORMAT parquet)`);
  } finally {
    c.closeSync();
    instance.closeSync();
  }
  await store.put(rollupFilePath(interval, startMs), file);
}

const MONTH = Date.parse('2026-10-01T00:00:00Z');
const DAY = Date.parse('2026-11-30T00:00:00Z');
const HOUR = Date.parse('2026-12-01T00:00:00Z');
const TILES = [
  { interval: 'month', windowStartMs: MONTH },
  { interval: 'day', windowStartMs: DAY },
  { interval: 'hour', windowStartMs: HOUR },
];
const ROWS: Record<string, Row[]> = {
  month: [
    ['P1', 'web', 'Toys', 100, 1000, 90],
    ['P1', 'app', 'Toys', 20, 300, 10],
    ['P2', 'store', 'Toys', 50, 9000, 40],
    ['Pa', 'web', 'Books', 10, 100, 10],
  ],
  day: [
    ['P2', 'web', 'Toys', 30, 600, 30],
    ['P2', 'app', 'Toys', 20, 400, 20],
    ['PB', 'web', 'Books', 10, 100, 10],
    ['P1', 'unknown', 'Toys', 5, 50, 5],
  ],
  hour: [
    ['P1', 'app', 'Toys', 3, 30, 3],
    ['PB', 'app', 'Books', 30, 300, 3],
    ['Pé', 'marketplace', 'Books', 7, 70, 7],
    ['Pa', 'app', 'Books', 33, 330, 4],
  ],
};

describe('range sums per channel', () => {
  let dirs: string[];
  let mixed: RangeSumsReader;
  let older: RangeSumsReader;
  beforeEach(async () => {
    dirs = [mkdtempSync(join(tmpdir(), 'range-mixed-')), mkdtempSync(join(tmpdir(), 'range-older-'))];
    const [mixedStore, olderStore] = dirs.map((d) => new LocalLakeStore(d));
    // The month tile as a build before issue 27 left it; the day and the hour of the newer shape.
    await putTile(mixedStore!, 'month', MONTH, ROWS['month']!, 'older');
    await putTile(mixedStore!, 'day', DAY, ROWS['day']!, 'newer');
    await putTile(mixedStore!, 'hour', HOUR, ROWS['hour']!, 'newer');
    // The same range, every tile of the older shape: today's answer.
    for (const t of TILES) await putTile(olderStore!, t.interval, t.windowStartMs, ROWS[t.interval]!, 'older');
    mixed = new RangeSumsReader(mixedStore!);
    older = new RangeSumsReader(olderStore!);
  });
  afterEach(async () => {
    await mixed.close();
    await older.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const strip = (s: RangeSums) => ({ ...s, rows: s.rows.map(({ estimated: _, ...r }) => r) });

  it.each(['units', 'revenue'] as const)('overall (no channel) is the answer of the older shape; the channels add up to it (%s)', async (metric) => {
    const overall = await mixed.read({ tiles: TILES, metric, k: 100, rankOf: ['Pa'] });
    expect(overall).toEqual(await older.read({ tiles: TILES, metric, k: 100, rankOf: ['Pa'] }));
    expect(overall.exactTotals).toEqual({ units: 318n, revenueCents: 12_280n, orders: 232n, products: 5n });

    const perChannel = await Promise.all(STORED_CHANNELS.map(async (channel) => ({ channel, sums: await mixed.read({ tiles: TILES, metric, k: 100, channel }) })));
    const sum = { units: 0n, revenueCents: 0n, orders: 0n };
    const byProduct = new Map<string, bigint>();
    for (const { sums } of perChannel) {
      sum.units += sums.exactTotals.units;
      sum.revenueCents += sums.exactTotals.revenueCents;
      sum.orders += sums.exactTotals.orders;
      for (const r of sums.rows) byProduct.set(r.productId, (byProduct.get(r.productId) ?? 0n) + r.units);
    }
    expect(sum).toEqual({ units: overall.exactTotals.units, revenueCents: overall.exactTotals.revenueCents, orders: overall.exactTotals.orders });
    expect(byProduct).toEqual(new Map(overall.rows.map((r) => [r.productId, r.units])));
  });

  it("ranks within one channel; the older tile's rows count as 'unknown'", async () => {
    const app = strip(await mixed.read({ tiles: TILES, metric: 'units', k: 10, channel: 'app', rankOf: ['P1'] }));
    // app: Pa 33 (hour), PB 30 (hour), P2 20 (day), P1 3 (hour); the month tile has no channel: none of it is app.
    expect(app.rows).toEqual([
      { rank: 1, productId: 'Pa', category: '', units: 33n, revenueCents: 330n },
      { rank: 2, productId: 'PB', category: '', units: 30n, revenueCents: 300n },
      { rank: 3, productId: 'P2', category: '', units: 20n, revenueCents: 400n },
      { rank: 4, productId: 'P1', category: '', units: 3n, revenueCents: 30n },
    ]);
    expect(app.exactTotals).toEqual({ units: 86n, revenueCents: 1060n, orders: 30n, products: 4n });
    expect(app.ranksOf).toEqual(new Map([['P1', 4]]));
    const unknown = await mixed.read({ tiles: TILES, metric: 'units', k: 10, channel: 'unknown' });
    // The whole month tile (P1 120, P2 50, Pa 10) and the day's one unknown row (P1 5).
    expect(unknown.rows.map((r) => [r.productId, r.units])).toEqual([
      ['P1', 125n],
      ['P2', 50n],
      ['Pa', 10n],
    ]);
    const books = await mixed.read({ tiles: TILES, metric: 'revenue', k: 10, channel: 'app', category: 'Books' });
    expect(books.rows.map((r) => [r.rank, r.productId, r.category])).toEqual([
      [1, 'Pa', 'Books'],
      [2, 'PB', 'Books'],
    ]);
    expect(await mixed.ranksOf({ tiles: TILES, metric: 'units', channel: 'app', productIds: ['P1', 'P2', 'Pé'] })).toEqual(
      new Map([
        ['P2', 3],
        ['P1', 4],
      ]),
    );
    expect(await mixed.ranksOf({ tiles: TILES, metric: 'units', productIds: ['P1', 'P2'] })).toEqual(await older.ranksOf({ tiles: TILES, metric: 'units', productIds: ['P1', 'P2'] }));
    expect(await mixed.groupByOnly(TILES, 'units', 10, 'marketplace')).toBe(1);
    expect(await mixed.groupByOnly(TILES, 'units', 10)).toBe(5);
  });
});
