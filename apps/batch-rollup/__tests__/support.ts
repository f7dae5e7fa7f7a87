import { clock } from '@hitboard/runtime';
/** Scenario helpers: a lake on disk with ledger rows (no Kafka needed), deps for the rollup, and an independent expected answer. */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Knex } from 'knex';
import pino from 'pino';
import { hourStartMs, rawFilePath, sqlString, writeRawParquet, type LakeStore, type RawCell } from '@hitboard/lake';
import { IntervalRegistry, type Window } from '@hitboard/time';
import { CHANNEL_ALL, TABLES, TOPICS, TOP_N_STORED, type ChannelFilter, type Metric } from '@hitboard/schema';
import { byteOrder, freshDatabase, ranksBy, type FreshDatabase } from '@hitboard/testkit';
import { seededRandom } from '@hitboard/random';
import { RollupEngine } from '../src/rollup-engine';
import type { TaskDeps } from '../src/rollup-task';

export interface Scenario {
  db: FreshDatabase;
  knex: Knex;
  lakeDir: string;
  /** Where `writeFlush` writes raw files: the lake folder, unless a test points it at another lake (S3). */
  lake: string | LakeStore;
  engine: RollupEngine;
  deps: TaskDeps;
  registry: IntervalRegistry;
  /** The events topic whose ledger the deps read (`TOPIC_EVENTS`). */
  topic: string;
  /** Next free offset per partition. */
  offsets: Map<number, number>;
  close(): Promise<void>;
}

export async function scenario(zone = 'UTC', options: { registry?: IntervalRegistry; allowedLatenessMs?: number; topic?: string } = {}): Promise<Scenario> {
  const db = await freshDatabase();
  const lakeDir = mkdtempSync(join(tmpdir(), 'rollup-lake-'));
  const engine = await RollupEngine.create(lakeDir, { threads: 1 });
  const registry = options.registry ?? IntervalRegistry.standard(zone);
  const topic = options.topic ?? TOPICS.salesEvents;
  const deps: TaskDeps = { knex: db.knex, engine, registry, topic, allowedLatenessMs: options.allowedLatenessMs ?? 0, log: pino({ level: 'silent' }) };
  return {
    db,
    knex: db.knex,
    lakeDir,
    lake: lakeDir,
    engine,
    deps,
    registry,
    topic,
    offsets: new Map(),
    async close() {
      engine.close();
      await db.drop();
      rmSync(lakeDir, { recursive: true, force: true });
    },
  };
}

/**
 * One aggregator flush, as the aggregator would leave it: a Parquet file per UTC hour under raw/,
 * listed in the ledger (ingest_flushes committed + ingest_files). Files of the shape before issue 27
 * (no `channel` column: read as 'unknown'); `writeChannelFlush` writes the newer shape.
 */
export async function writeFlush(s: Scenario, cells: readonly RawCell[], partition = 0, topic = s.topic): Promise<string[]> {
  return listFlush(s, cells, partition, topic, (path, hourCells) => writeRawParquet(s.lake, path, hourCells));
}

/** A raw cell of the lake's newer shape: its sales channel. */
export type ChannelCell = RawCell & { channel: string };

/**
 * A flush of raw files with a `channel` column (the shape the aggregator writes since issue 27),
 * written here with DuckDB COPY into the lake folder, listed in the ledger like `writeFlush`'s.
 */
export async function writeChannelFlush(s: Scenario, cells: readonly ChannelCell[], partition = 0, topic = s.topic): Promise<string[]> {
  const duck = await DuckDBInstance.create(':memory:');
  const c = await duck.connect();
  try {
    return await listFlush(s, cells, partition, topic, async (path, hourCells) => {
      await c.run('CREATE OR REPLACE TABLE staged (minute_ms BIGINT, product_id VARCHAR, units BIGINT, revenue_cents BIGINT, orders BIGINT, channel VARCHAR)');
      const appender = await c.createAppender('staged');
      for (const cell of hourCells as ChannelCell[]) {
        appender.appendBigInt(BigInt(cell.minuteStartMs));
        appender.appendVarchar(cell.productId);
        appender.appendBigInt(BigInt(cell.units));
        appender.appendBigInt(BigInt(cell.revenueCents));
        appender.appendBigInt(BigInt(cell.orders));
        appender.appendVarchar(cell.channel);
        appender.endRow();
      }
      appender.closeSync();
      await mkdir(dirname(join(s.lakeDir, path)), { recursive: true });
      await c.run(
        `COPY (SELECT make_timestamp(minute_ms * 1000) AS minute_start, product_id, units, revenue_cents, orders, channel FROM staged ORDER BY minute_ms, product_id, channel)
           TO ${sqlString(join(s.lakeDir, path))} (FORMAT parquet)`,
      );
    });
  } finally {
    c.closeSync();
    duck.closeSync();
  }
}

async function listFlush<C extends RawCell>(s: Scenario, cells: readonly C[], partition: number, topic: string, write: (path: string, hourCells: C[]) => Promise<unknown>): Promise<string[]> {
  const first = s.offsets.get(partition) ?? 0;
  const last = first + Math.max(cells.length, 1) - 1;
  s.offsets.set(partition, last + 1);
  const byHour = new Map<number, C[]>();
  for (const c of cells) {
    const h = hourStartMs(c.minuteStartMs);
    byHour.set(h, [...(byHour.get(h) ?? []), c]);
  }
  const flushId = `${topic}-${partition}-${first}-${last}`;
  await s.knex(TABLES.ingestFlushes).insert({ flush_id: flushId, topic, partition, first_offset: first, last_offset: last, status: 'committed', committed_at: clock.date() });
  const paths: string[] = [];
  for (const [hourMs, hourCells] of byHour) {
    const path = rawFilePath(hourMs, partition, first, last);
    await write(path, hourCells);
    await s.knex(TABLES.ingestFiles).insert({ path, flush_id: flushId, partition, first_offset: first, last_offset: last, hour: new Date(hourMs), rows: hourCells.length });
    paths.push(path);
  }
  return paths;
}

/** Sets one partition's ledger watermark (partition 0's alone is the global watermark, unless others are open). */
export async function setWatermark(s: Scenario, at: number | Date, partition = 0, topic = s.topic): Promise<void> {
  await s.knex.raw(
    `INSERT INTO ?? (topic, partition, next_offset, watermark) VALUES (?, ?, 0, ?)
     ON CONFLICT (topic, partition) DO UPDATE SET watermark = EXCLUDED.watermark`,
    [TABLES.ingestOffsets, topic, partition, new Date(+at)],
  );
}

/** A partition's ledger row as the aggregator creates it on assignment, before its first commit: no watermark yet. */
export async function openPartition(s: Scenario, partition: number, topic = s.topic): Promise<void> {
  await s.knex(TABLES.ingestOffsets).insert({ topic, partition, next_offset: 0 }).onConflict(['topic', 'partition']).ignore();
}

export async function addProducts(s: Scenario, products: ReadonlyArray<{ productId: string; category: string }>): Promise<void> {
  for (let i = 0; i < products.length; i += 1000) {
    await s.knex(TABLES.products).insert(products.slice(i, i + 1000).map((p) => ({ product_id: p.productId, name: p.productId, category: p.category })));
  }
}

/** Random cells: `count` (minute, product) sums over [fromMs, toMs), products p-0000… skewed towards low numbers. */
export function randomCells(seed: number, fromMs: number, toMs: number, count: number, products = 50): RawCell[] {
  const r = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const minute = fromMs + Math.floor((r() * (toMs - fromMs)) / 60_000) * 60_000;
    const product = Math.floor(products * r() * r());
    const units = 1 + Math.floor(r() * 5);
    return { minuteStartMs: minute, productId: `p-${String(product).padStart(4, '0')}`, units, revenueCents: units * (100 + product * 7), orders: 1 };
  });
}

export interface ExpectedRow {
  product_id: string;
  category: string;
  units: bigint;
  revenue_cents: bigint;
  orders: bigint;
  rank_units: number | null;
  rank_revenue: number | null;
  category_rank_units: number | null;
  category_rank_revenue: number | null;
}

/** The independent answer: plain JS sums of the cells in [start, end), ranked with product_id in byte order. */
export function expectedWindow(cells: readonly RawCell[], w: Window, catalog: ReadonlyMap<string, string>) {
  const sums = new Map<string, { units: bigint; revenue_cents: bigint; orders: bigint }>();
  for (const c of cells) {
    if (c.minuteStartMs < w.start.getTime() || c.minuteStartMs >= w.end.getTime()) continue;
    const s = sums.get(c.productId) ?? { units: 0n, revenue_cents: 0n, orders: 0n };
    s.units += BigInt(c.units);
    s.revenue_cents += BigInt(c.revenueCents);
    s.orders += BigInt(c.orders);
    sums.set(c.productId, s);
  }
  const all = [...sums].map(([product_id, s]) => ({ product_id, category: catalog.get(product_id) ?? '', ...s }));
  const ranks = (rows: typeof all, metric: Metric) => ranksBy(rows, (r) => (metric === 'units' ? r.units : r.revenue_cents), (r) => r.product_id);
  const ru = ranks(all, 'units');
  const rr = ranks(all, 'revenue');
  const cru = new Map<string, number>();
  const crr = new Map<string, number>();
  for (const category of new Set(all.map((r) => r.category))) {
    const inCat = all.filter((r) => r.category === category);
    for (const [k, v] of ranks(inCat, 'units')) cru.set(k, v);
    for (const [k, v] of ranks(inCat, 'revenue')) crr.set(k, v);
  }
  const cap = (n: number) => (n <= TOP_N_STORED ? n : null);
  const rows: ExpectedRow[] = all
    .map((r) => ({
      ...r,
      rank_units: cap(ru.get(r.product_id)!),
      rank_revenue: cap(rr.get(r.product_id)!),
      category_rank_units: cap(cru.get(r.product_id)!),
      category_rank_revenue: cap(crr.get(r.product_id)!),
    }))
    .filter((r) => r.rank_units !== null || r.rank_revenue !== null || r.category_rank_units !== null || r.category_rank_revenue !== null)
    .sort((a, b) => byteOrder(a.product_id, b.product_id));
  const totals = {
    units: all.reduce((n, r) => n + r.units, 0n),
    revenue_cents: all.reduce((n, r) => n + r.revenue_cents, 0n),
    orders: all.reduce((n, r) => n + r.orders, 0n),
    products: BigInt(all.length),
  };
  return { rows, totals };
}

/** A window's stored batch rows of one channel ('all': the overall rows), in product_id byte order. */
export async function batchRows(s: Scenario, w: Window, channel: ChannelFilter = CHANNEL_ALL): Promise<ExpectedRow[]> {
  return s.knex(TABLES.batchTable)
    .select('product_id', 'category', 'units', 'revenue_cents', 'orders', 'rank_units', 'rank_revenue', 'category_rank_units', 'category_rank_revenue')
    .where({ interval: w.interval, window_start: w.start, channel })
    .orderByRaw('product_id COLLATE "C"');
}

/** A window's batch totals row of one channel ('all': the overall figures). */
export async function batchTotals(s: Scenario, w: Window, channel: ChannelFilter = CHANNEL_ALL) {
  return s.knex(TABLES.windowTotals).first('units', 'revenue_cents', 'orders', 'products').where({ interval: w.interval, window_start: w.start, source: 'batch', shard: -1, channel });
}

export async function runsOf(s: Scenario, w: Window) {
  return s.knex(TABLES.rollupRuns).select('run_id', 'status', 'reason', 'rows', 'input_files', 'error').where({ interval: w.interval, window_start: w.start }).orderBy('run_id');
}

export const H = 3_600_000;
