/**
 * A range's top list (issue 27) against DuckDB's own GROUP BY over the same tiles, in the same process and run.
 *
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
 *     NODE_OPTIONS=--conditions=react-server npm run bench-range -w @hitboard/dashboard [-- --quick] [-- --json FILE]
 *
 * Builds a scratch database (dropped at the end) and a scratch lake: for a 31-day and a 365-day range,
 * each off every calendar boundary (hours, days and months at both edges), and for the range of the same
 * length before each (movement reads it), every tile is a built window (a succeeded run in Postgres) whose
 * full rollup file holds 10,000 products (the worst case: every product sells in every hour). Then, turn
 * about (so both see the same load), it times:
 *   - floor: `SELECT product_id, sum(metric) … GROUP BY product_id ORDER BY … LIMIT 10` over the range's
 *     tile files (RangeSumsReader.groupByOnly: DuckDB and nothing else);
 *   - merge: RangeSumsReader.read over the same files (the exact sums, ranks with ties, totals, category);
 *   - cold: RangeData.fetchRange with its cache off: the tiling, the built-window lookups in Postgres,
 *     the range AND the range before it from the lake, names — what a first request costs;
 *   - cached: the same request again with the cache on (the lookups that key it, then a hit).
 * Prints P50/P99 of each and the ratios to the floor's P99.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { openLakeStore, rollupFilePath, RangeSumsReader } from '@hitboard/lake';
import { IntervalRegistry } from '@hitboard/time';
import { TABLES } from '@hitboard/schema';
import { freshDatabase } from '@hitboard/testkit';
import { previousRange, tileRange } from '../src/lib/range-tiling';
import { RangeData } from '../src/server/range-data';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'Usage: NODE_OPTIONS=--conditions=react-server npm run bench-range -w @hitboard/dashboard [-- --quick --json FILE]\n\n' +
      'A 31-day and a 365-day range over 10,000 products: the range top list vs DuckDB GROUP BY over the same tiles.\n' +
      '--quick: 20 timed requests per measurement (default 100). Needs TEST_DATABASE_URL (admin URL; a scratch database is made and dropped).\n',
  );
  process.exit(0);
}
const ITERATIONS = values.quick ? 20 : 100;
const PRODUCTS = 10_000;
const registry = IntervalRegistry.standard('UTC');
const RANGES = [
  { name: '31 days', from: Date.parse('2026-01-10T05:00:00Z'), to: Date.parse('2026-02-10T05:00:00Z') },
  { name: '365 days', from: Date.parse('2025-03-15T05:00:00Z'), to: Date.parse('2026-03-15T05:00:00Z') },
];

/** One window's full rollup: every product, amounts varied per window so ranks differ between tiles. */
async function writeTile(duck: DuckDBInstance, lakeDir: string, interval: string, startMs: number, seed: number): Promise<void> {
  const path = join(lakeDir, rollupFilePath(interval, startMs));
  mkdirSync(dirname(path), { recursive: true });
  const c = await duck.connect();
  try {
    await c.run(
      `COPY (SELECT 'P' || lpad(i::VARCHAR, 5, '0') AS product_id, 'C' || (i % 20)::VARCHAR AS category,
                    (1 + (hash(i, ${seed}) % 1000))::BIGINT AS units, (100 + (hash(i, ${seed}, 1) % 100000))::BIGINT AS revenue_cents,
                    (1 + (hash(i, ${seed}, 2) % 500))::BIGINT AS orders
               FROM range(${PRODUCTS}) t(i) ORDER BY product_id)
         TO '${path.replace(/'/g, "''")}' (FORMAT parquet, COMPRESSION zstd)`,
    );
  } finally {
    c.closeSync();
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

interface Measured {
  p50: number;
  p99: number;
}

async function main(): Promise<void> {
  const db = await freshDatabase();
  const lakeDir = mkdtempSync(join(tmpdir(), 'hitboard-range-bench-'));
  const duck = await DuckDBInstance.create(':memory:');
  const store = openLakeStore({ LAKE_DIR: lakeDir });
  const reader = new RangeSumsReader(store);
  const cold = new RangeData(db.knex, registry, reader, { liveCacheMs: 0, exactCacheMs: 0 });
  const warm = new RangeData(db.knex, registry, reader, { liveCacheMs: 600_000, exactCacheMs: 600_000 });
  const results: { range: string; tiles: number; rows: number; floor: Measured; merge: Measured; cold: Measured; cached: Measured }[] = [];
  try {
    // Every tile of every range and of the range before it: a built window with its file.
    let seed = 0;
    const written = new Set<string>();
    for (const r of RANGES) {
      const before = previousRange(registry, r.from, r.to);
      for (const t of [...tileRange(registry, r.from, r.to), ...tileRange(registry, before.fromMs, before.toMs)]) {
        const key = `${t.interval}|${t.startMs}`;
        if (written.has(key)) continue;
        written.add(key);
        await writeTile(duck, lakeDir, t.interval, t.startMs, ++seed);
        await db.knex(TABLES.rollupRuns).insert({ interval: t.interval, window_start: new Date(t.startMs), status: 'succeeded', started_at: new Date(t.startMs), finished_at: new Date(t.endMs), rows: PRODUCTS });
      }
    }
    await db.knex(TABLES.products).insert(Array.from({ length: PRODUCTS }, (_, i) => ({ product_id: `P${String(i).padStart(5, '0')}`, name: `Product ${i}`, category: `C${i % 20}` })));
    process.stderr.write(`bench: ${written.size} tiles of ${PRODUCTS.toLocaleString('en')} products written\n`);

    for (const r of RANGES) {
      const tiles = tileRange(registry, r.from, r.to).map((t) => ({ interval: t.interval, windowStartMs: t.startMs }));
      const query = { from: new Date(r.from), to: new Date(r.to), metric: 'units' as const, k: 10, category: null, channel: 'all' as const };
      const steps: Record<'floor' | 'merge' | 'cold' | 'cached', () => Promise<unknown>> = {
        floor: () => reader.groupByOnly(tiles, 'units', 10),
        merge: () => reader.read({ tiles, metric: 'units', k: 10 }),
        cold: () => cold.fetchRange(query),
        cached: () => warm.fetchRange(query),
      };
      // Same answer from both: the bench measures what the tests prove.
      const ours = await reader.read({ tiles, metric: 'units', k: 10 });
      if (ours.rows.length !== 10) throw new Error(`expected 10 rows, got ${ours.rows.length}`);
      const times: Record<string, number[]> = { floor: [], merge: [], cold: [], cached: [] };
      for (let i = 0; i < 3; i++) for (const step of Object.values(steps)) await step(); // warm-up (files in the page cache, plans, JIT)
      for (let i = 0; i < ITERATIONS; i++) {
        for (const [name, step] of Object.entries(steps)) {
          const t0 = performance.now();
          await step();
          times[name]!.push(performance.now() - t0);
        }
      }
      const m = (name: string): Measured => {
        const sorted = [...times[name]!].sort((a, b) => a - b);
        return { p50: +percentile(sorted, 50).toFixed(1), p99: +percentile(sorted, 99).toFixed(1) };
      };
      results.push({ range: r.name, tiles: tiles.length, rows: tiles.length * PRODUCTS, floor: m('floor'), merge: m('merge'), cold: m('cold'), cached: m('cached') });
    }
  } finally {
    await reader.close();
    duck.closeSync();
    await db.drop();
    rmSync(lakeDir, { recursive: true, force: true });
  }

  const lines = [
    `range top 10 over ${PRODUCTS.toLocaleString('en')} products per tile, ${ITERATIONS} timed requests each (ms; ratio = P99 / floor P99)`,
    '| range | tiles (rows) | floor: DuckDB GROUP BY P50 / P99 | merge P50 / P99 (ratio) | first request P50 / P99 (ratio) | cached P50 / P99 (ratio) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...results.map((r) => {
      const cell = (x: Measured) => `${x.p50} / ${x.p99} (${(x.p99 / r.floor.p99).toFixed(2)}×)`;
      return `| ${r.range} | ${r.tiles} (${r.rows.toLocaleString('en')}) | ${r.floor.p50} / ${r.floor.p99} | ${cell(r.merge)} | ${cell(r.cold)} | ${cell(r.cached)} |`;
    }),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (values.json) writeFileSync(values.json, JSON.stringify({ products: PRODUCTS, iterations: ITERATIONS, results }, null, 2));
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
