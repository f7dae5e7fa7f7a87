import { fileSystemNow } from '@hitboard/runtime';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { sqlString, tmpDir } from '@hitboard/lake';
import { seededRandom } from '@hitboard/random';
import { rankChannelWindow } from './rank-window';
import { removeOrphans, RollupEngine } from './rollup-engine';
import { EMPTY_RANKED_WINDOW, TIE_PRONE_IDS } from './testing/tie-heavy-windows';

describe('removeOrphans', () => {
  let lakeDir: string;
  beforeEach(() => {
    lakeDir = mkdtempSync(join(tmpdir(), 'rollup-orphans-'));
    mkdirSync(tmpDir(lakeDir));
  });
  afterEach(() => rmSync(lakeDir, { recursive: true, force: true }));

  it("removes old temporary rollup files, keeps young ones and the aggregator's", async () => {
    const now = fileSystemNow(tmpDir(lakeDir)); // mtimes are the file system's clock (it differs from the process's under libfaketime)
    for (const name of ['rollup-1-aa.tmp', 'rollup-2-bb.tmp', 'p3-100-250-h1.7-cc.tmp']) writeFileSync(join(tmpDir(lakeDir), name), 'x');
    const old = new Date(now - 2 * 3_600_000);
    utimesSync(join(tmpDir(lakeDir), 'rollup-1-aa.tmp'), old, old);
    utimesSync(join(tmpDir(lakeDir), 'p3-100-250-h1.7-cc.tmp'), old, old);
    expect(await removeOrphans(tmpDir(lakeDir), 3_600_000)).toEqual(['rollup-1-aa.tmp']);
    expect(readdirSync(tmpDir(lakeDir)).sort()).toEqual(['p3-100-250-h1.7-cc.tmp', 'rollup-2-bb.tmp']);
  });
});

/**
 * The engine ranks in DuckDB (Top-N by thresholds, then row_number() over the candidates) from
 * RANK_IN_JS_BELOW_ROWS rows up, forced here at every size; rank-window.ts holds the same ranking in JS,
 * over every row (the engine's path for small windows). They must agree on the stored rows, ranks and totals,
 * overall, per category and per channel: on windows past TOP_N_STORED in every partition, with heavy ties
 * at the cut (few distinct values), ids beyond the BMP (byte order differs from JS's UTF-16 order there),
 * and products the catalog does not know.
 */
describe('RollupEngine ranking', () => {
  const channels = ['web', 'web', 'app', 'store', 'marketplace', 'unknown'];
  let lakeDir: string;
  let engine: RollupEngine;
  beforeEach(async () => {
    lakeDir = mkdtempSync(join(tmpdir(), 'rollup-ranking-'));
    engine = await RollupEngine.create(lakeDir, { threads: 2, rankInJsBelowRows: 0 }); // DuckDB's ranking at any size
  });
  afterEach(() => {
    engine.close();
    rmSync(lakeDir, { recursive: true, force: true });
  });

  /** Raw rows in `files` Parquet files of the lake (DuckDB writes them from a VALUES list), a catalog of most products. */
  async function writeRaw(seed: number, rows: number, products: number, files: number, distinct: number): Promise<{ paths: string[]; catalogued: Set<string> }> {
    const next = seededRandom(seed);
    const productOf = (i: number) => `${TIE_PRONE_IDS[i % TIE_PRONE_IDS.length]}${i}`;
    const catalog = Array.from({ length: products }, (_, i) => ({ productId: productOf(i), category: `c${i % 3}` })).filter((_, i) => i % 17 !== 0);
    await engine.setCatalog(catalog);
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    const paths: string[] = [];
    try {
      for (let f = 0; f < files; f++) {
        const values: string[] = [];
        for (let i = 0; i < rows / files; i++) {
          const product = productOf(Math.floor(next() * products));
          const channel = channels[Math.floor(next() * channels.length)]!;
          const units = 1 + Math.floor(next() * distinct);
          const revenue = 100 * (1 + Math.floor(next() * distinct));
          values.push(`(TIMESTAMP '2026-03-01 10:${String(i % 60).padStart(2, '0')}:00', ${sqlString(product)}, ${units}, ${revenue}, 1, ${sqlString(channel)})`);
        }
        const path = `raw/f${f}.parquet`;
        mkdirSync(join(lakeDir, 'raw'), { recursive: true });
        await c.run(
          `COPY (SELECT * FROM (VALUES ${values.join(', ')}) t(minute_start, product_id, units, revenue_cents, orders, channel)) TO ${sqlString(join(lakeDir, path))} (FORMAT parquet)`,
        );
        paths.push(path);
      }
    } finally {
      c.closeSync();
      instance.closeSync();
    }
    return { paths, catalogued: new Set(catalog.map((p) => p.productId)) };
  }

  /** rank-window.ts over the full rollup the engine wrote (every (product, channel) row, in its file order). */
  async function reference(path: string, catalogued: (productId: string) => boolean) {
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    try {
      const cols = (await c.runAndReadAll(`SELECT product_id, channel, category, units, revenue_cents, orders FROM read_parquet(${sqlString(join(lakeDir, path))})`)).getColumnsJS();
      const productId = cols[0] as string[];
      for (let i = 1; i < productId.length; i++) {
        // The file is sorted by (product_id, channel) in byte order, which the reference relies on.
        const [a, b] = [Buffer.from(productId[i - 1]! + '\u0000' + String(cols[1]![i - 1])), Buffer.from(productId[i]! + '\u0000' + String(cols[1]![i]))];
        expect(Buffer.compare(a, b)).toBe(-1);
      }
      return rankChannelWindow({
        productId,
        channel: cols[1] as string[],
        category: cols[2] as string[],
        units: cols[3] as bigint[],
        revenueCents: cols[4] as bigint[],
        orders: cols[5] as bigint[],
        uncategorised: productId.map((p) => !catalogued(p)),
      });
    } finally {
      c.closeSync();
      instance.closeSync();
    }
  }

  it.each([
    ['heavy ties at the cut', 1, 3],
    ['few ties', 2, 400],
  ])('stores what the JS reference stores: %s', async (_name, seed, distinct) => {
    // 24,000 raw rows over 6,000 products: ~3,300 per category, ~2,000 in the smaller channels, more in web.
    const { paths, catalogued: known } = await writeRaw(seed, 24_000, 6_000, 2, distinct);
    const catalogued = (p: string) => known.has(p);
    const start = Date.parse('2026-03-01T10:00:00Z');
    const hour = await engine.rollup('hour', { kind: 'raw', paths, startMs: start, endMs: start + 3_600_000 }, 'rollup/hour.parquet');
    const expected = await reference('rollup/hour.parquet', catalogued);
    expect(hour).toEqual(expected);
    // Every partition was cut: the overall, each category and each channel store fewer rows than they have.
    expect(hour.top.some((r) => r.rankUnits === null && r.categoryRankUnits !== null)).toBe(true);
    expect(hour.channels.map((ch) => ch.channel)).toEqual(['app', 'marketplace', 'store', 'unknown', 'web']);
    for (const ch of hour.channels) expect(ch.top.some((r) => r.rankUnits === null)).toBe(true);
    expect(hour.uncategorised).toBeGreaterThan(0);
    // A rollup of rollups (a day of this one hour, twice over) ranks the same way.
    const day = await engine.rollup('day', { kind: 'rollups', paths: ['rollup/hour.parquet', 'rollup/hour.parquet'] }, 'rollup/day.parquet');
    expect(day).toEqual(await reference('rollup/day.parquet', catalogued));
    expect(day.units).toBe(2n * hour.units);
  });

  it('gives zero totals and no rows for an empty window', async () => {
    await engine.setCatalog([]);
    expect(await engine.rollup('day', { kind: 'rollups', paths: [] }, 'rollup/empty.parquet')).toEqual({ ...EMPTY_RANKED_WINDOW, channels: [] });
  });
});
