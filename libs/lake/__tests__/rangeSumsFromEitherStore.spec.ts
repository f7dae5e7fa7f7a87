/**
 * RangeSumsReader (issue 27): a range's exact sums from the tiles' full rollup files, the same from a
 * local lake and from S3 (S3Proxy) through the cache — ranks with ties in byte order, totals, a category,
 * estimate rows added, ranks of chosen products — and a tile rewritten by a rebuild is read anew.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { LocalLakeStore, openLakeStore, RangeSumsReader, rollupFilePath, sqlString, type LakeStore } from '../src';
import { useS3AndScratch } from './support/s3-and-scratch';

type Row = [productId: string, category: string, units: number, revenueCents: number, orders: number];

const lab = useS3AndScratch();
const dir = (prefix: string) => lab.dir(prefix);

/** Writes a rollup file the way the batch layer does (DuckDB COPY to staging, then `put` under its key). */
async function putRollup(store: LakeStore, interval: string, startMs: number, rows: Row[]): Promise<void> {
  mkdirSync(store.stagingDir, { recursive: true });
  const file = join(store.stagingDir, `r-${Math.random().toString(36).slice(2)}.parquet`);
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  try {
    const values = rows.map(([p, cat, u, r, o]) => `(${sqlString(p)}, ${sqlString(cat)}, ${u}::BIGINT, ${r}::BIGINT, ${o}::BIGINT)`).join(', ');
    await c.run(`COPY (SELECT * FROM (VALUES ${values}) v(product_id, category, units, revenue_cents, orders) ORDER BY product_id) TO ${sqlString(file)} (FORMAT parquet)`);
  } finally {
    c.closeSync();
    instance.closeSync();
  }
  await store.put(rollupFilePath(interval, startMs), file);
}

const DAY = Date.parse('2026-11-30T00:00:00Z');
const MONTH = Date.parse('2026-10-01T00:00:00Z');
const HOUR = Date.parse('2026-12-01T00:00:00Z');
const TILES = [
  { interval: 'month', windowStartMs: MONTH },
  { interval: 'day', windowStartMs: DAY },
  { interval: 'hour', windowStartMs: HOUR },
];

const stores: Array<{ name: string; open(): LakeStore }> = [
  { name: 'local folder', open: () => new LocalLakeStore(dir('range-local-')) },
  { name: 'S3 (S3Proxy) through the cache', open: () => openLakeStore(lab.s3.env(`range-${lab.made}`, dir('range-cache-'))) },
];

describe.each(stores)('range sums from a $name', ({ open }) => {
  let store: LakeStore;
  let reader: RangeSumsReader;
  beforeEach(async () => {
    store = open();
    reader = new RangeSumsReader(store);
    await putRollup(store, 'month', MONTH, [
      ['P1', 'Toys', 100, 1000, 90],
      ['P2', 'Toys', 50, 9000, 40],
      ['Pa', 'Books', 10, 100, 10],
    ]);
    await putRollup(store, 'day', DAY, [
      ['P2', 'Toys', 50, 1000, 50],
      ['PB', 'Books', 10, 100, 10],
    ]);
    await putRollup(store, 'hour', HOUR, [['P3', 'Books', 1, 1, 1]]);
  });
  afterEach(async () => {
    await reader.close();
    await store.close();
  });

  it('sums the tiles exactly and ranks by the metric, ties in byte order', async () => {
    const sums = await reader.read({ tiles: TILES, metric: 'units', k: 10 });
    expect(sums.rows.map((r) => [r.rank, r.productId, r.units, r.revenueCents, r.estimated])).toEqual([
      [1, 'P1', 100n, 1000n, false],
      [2, 'P2', 100n, 10000n, false],
      [3, 'PB', 10n, 100n, false], // 'PB' < 'Pa' in byte order
      [4, 'Pa', 10n, 100n, false],
      [5, 'P3', 1n, 1n, false],
    ]);
    expect(sums.exactTotals).toEqual({ units: 221n, revenueCents: 11201n, orders: 201n, products: 5n });
    expect((await reader.read({ tiles: TILES, metric: 'revenue', k: 1 })).rows.map((r) => r.productId)).toEqual(['P2']);
  });

  it('ranks within a category, adds estimate rows apart from the exact totals, and ranks chosen products', async () => {
    const sums = await reader.read({
      tiles: TILES,
      metric: 'units',
      k: 2,
      category: 'Books',
      estimates: [{ productId: 'P3', category: 'Books', units: 20n, revenueCents: 20n }],
    });
    expect(sums.rows.map((r) => [r.rank, r.productId, r.units, r.estimated, r.category])).toEqual([
      [1, 'P3', 21n, true, 'Books'],
      [2, 'PB', 10n, false, 'Books'],
    ]);
    expect(sums.rankedTotals).toEqual({ units: 41n, revenueCents: 221n, orders: 21n, products: 3n });
    expect(sums.exactTotals.units).toBe(221n); // the estimate is not in the exact part
    expect(await reader.ranksOf({ tiles: TILES, metric: 'units', productIds: ['Pa', 'P1', 'nope'] })).toEqual(new Map([['P1', 1], ['Pa', 4]]));
  });

  it('reads a rebuilt tile anew (a rebuild replaces its file under the same key)', async () => {
    expect((await reader.read({ tiles: TILES, metric: 'units', k: 1 })).rows[0]!.productId).toBe('P1');
    await putRollup(store, 'day', DAY, [
      ['P2', 'Toys', 500, 1000, 50],
      ['PB', 'Books', 10, 100, 10],
    ]);
    expect((await reader.read({ tiles: TILES, metric: 'units', k: 1 })).rows[0]).toMatchObject({ productId: 'P2', units: 550n });
  });
});
