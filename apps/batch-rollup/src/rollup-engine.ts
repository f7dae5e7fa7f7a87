import { fileSystemNow } from '@hitboard/runtime';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { asLakeStore, channelledParquet, ROLLUP_COLUMN_LIST, sqlString, type LakeStore } from '@hitboard/lake';
import { LakeReadError } from './errors';
import { TOP_N_STORED } from '@hitboard/schema';
import { rankChannelWindow, type RankedChannel, type RankedChannelWindow, type TopRow } from './rank-window';

export type { RankedChannel, TopRow } from './rank-window';

/** A window's input: raw files (minutes in [startMs, endMs) selected) or its children's full rollups. */
export type RollupInput =
  | { kind: 'raw'; paths: readonly string[]; startMs: number; endMs: number }
  | { kind: 'rollups'; paths: readonly string[] };

/** The window's totals and its stored rows, overall and per channel (see rank-window.ts). */
export type RollupResult = RankedChannelWindow;

/** A temporary rollup file this old belongs to a task that died (tasks take seconds); younger ones may be in flight elsewhere. */
const ORPHAN_AGE_MS = 3_600_000;
const TMP_PREFIX = 'rollup-';

/** Removes temporary rollup files left in the staging folder by killed tasks (only ours: the aggregator's have their own prefix). */
export async function removeOrphans(dir: string, olderThanMs: number, nowMs?: number): Promise<string[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((name) => name.startsWith(TMP_PREFIX) && name.endsWith('.tmp'));
  if (names.length === 0) return [];
  const now = nowMs ?? fileSystemNow(dir); // mtimes are the file system's clock, not the process's chosen one
  const removed: string[] = [];
  for (const name of names) {
    const info = await stat(join(dir, name)).catch(() => null);
    if (info && now - info.mtimeMs > olderThanMs) {
      await rm(join(dir, name), { force: true });
      removed.push(name);
    }
  }
  return removed;
}

/**
 * The DuckDB side of a rollup: sums a window's input per (product, channel), joins the catalog's category,
 * writes the full rollup as Parquet (staged, then `put` into the lake store), and returns the window's totals
 * and the rows to store (top TOP_N_STORED by units and by revenue, overall and per category), and the same
 * per channel (totals, and tops ranked within the channel).
 *
 * Ties rank by product_id in byte order: DuckDB's default VARCHAR ordering, which is Postgres'
 * COLLATE "C" (the view ranks speed rows the same way; a spec checks they agree).
 */
export class RollupEngine {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly store: LakeStore,
    private readonly rankInJsBelowRows: number,
  ) {}

  /** `rankInJsBelowRows`: windows of fewer (product, channel) rows are ranked in JS (default RANK_IN_JS_BELOW_ROWS; a bench sets 0 or Infinity to compare). */
  static async create(lake: string | LakeStore, options: { threads?: number; orphanAgeMs?: number; rankInJsBelowRows?: number } = {}): Promise<RollupEngine> {
    const store = asLakeStore(lake);
    await removeOrphans(store.stagingDir, options.orphanAgeMs ?? ORPHAN_AGE_MS);
    // preserve_insertion_order (DuckDB's default, set here because the rollup file relies on it): a scan of
    // `win` and the COPY from it keep the order the table was created in.
    const instance = await DuckDBInstance.create(':memory:', { threads: String(options.threads ?? 2), preserve_insertion_order: 'true' });
    const engine = new RollupEngine(instance, store, options.rankInJsBelowRows ?? RANK_IN_JS_BELOW_ROWS);
    await engine.withConnection((c) => c.run(`CREATE TABLE catalog (product_id VARCHAR PRIMARY KEY, category VARCHAR NOT NULL)`));
    return engine;
  }

  /** Replaces the catalog (product → category) every rollup joins. Call between passes, not during one. */
  async setCatalog(products: ReadonlyArray<{ productId: string; category: string }>): Promise<void> {
    await this.withConnection(async (c) => {
      await c.run('DELETE FROM catalog');
      const appender = await c.createAppender('catalog');
      try {
        for (const p of products) {
          appender.appendVarchar(p.productId);
          appender.appendVarchar(p.category);
          appender.endRow();
        }
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
    });
  }

  /**
   * Rolls one window up and writes its full rollup to `outPath` (relative to the lake root).
   * `afterWrite` runs once the file is in place (a test hook for failures between file and publish).
   */
  async rollup(windowName: string, input: RollupInput, outPath: string, afterWrite?: () => Promise<void> | void): Promise<RollupResult> {
    return this.withConnection(async (c) => {
      // Local paths of the input (the lake's own files, or cached copies of its objects), valid while `read` runs.
      // Files of either shape: those written before the lake kept a channel read as 'unknown' (channelledParquet).
      const source = (paths: string[]) =>
        paths.length === 0
          ? `SELECT NULL::VARCHAR AS product_id, NULL::VARCHAR AS channel, 0::BIGINT AS units, 0::BIGINT AS revenue_cents, 0::BIGINT AS orders WHERE false`
          : input.kind === 'raw'
            ? `SELECT product_id, channel, units, revenue_cents, orders FROM ${channelledParquet(paths)}
                WHERE minute_start >= make_timestamp(${input.startMs * 1000}::BIGINT) AND minute_start < make_timestamp(${input.endMs * 1000}::BIGINT)`
            : `SELECT product_id, channel, units, revenue_cents, orders FROM ${channelledParquet(paths)}`;
      try {
        // One GROUP BY per (product, channel), sorted as the rollup file is (product_id, then channel, byte
        // order): the COPY below writes the table in that order without a sort of its own, and the
        // per-product sums are a GROUP BY of this table (rankInDuckDB), not of the input again.
        await this.store.withLocalFiles(input.paths, (paths) => c.run(
          `CREATE OR REPLACE TEMP TABLE win AS
           SELECT s.product_id, s.channel, coalesce(k.category, '') AS category, s.units, s.revenue_cents, s.orders, k.product_id IS NULL AS uncategorised
             FROM (SELECT product_id, channel, sum(units)::BIGINT AS units, sum(revenue_cents)::BIGINT AS revenue_cents, sum(orders)::BIGINT AS orders
                     FROM (${source(paths)}) GROUP BY product_id, channel) s
             LEFT JOIN catalog k ON k.product_id = s.product_id
            ORDER BY s.product_id, s.channel`,
        ));
      } catch (err) {
        throw new LakeReadError(windowName, (err as Error).message, err);
      }
      await mkdir(this.store.stagingDir, { recursive: true });
      const tmp = join(this.store.stagingDir, `${TMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
      try {
        await c.run(
          `COPY (SELECT ${ROLLUP_COLUMN_LIST} FROM win)
             TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`,
        );
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
      await this.store.put(outPath, tmp); // consumes tmp; a failure is a retriable LakeWriteError
      await afterWrite?.();
      // (No DROP of the temp tables: they go with the connection, closed below.)
      const rows = Number((await c.runAndReadAll('SELECT count(*) FROM win')).getRowsJS()[0]![0]);
      return rows < this.rankInJsBelowRows ? rankInJs(c) : rankInDuckDB(c);
    });
  }

  close(): void {
    this.instance.closeSync();
  }

  private async withConnection<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    const connection = await this.instance.connect();
    try {
      return await fn(connection);
    } finally {
      connection.closeSync();
    }
  }
}

/**
 * Below this many (product, channel) rows a window is ranked in JS (every row read, rank-window.ts), from
 * it up in DuckDB (rankInDuckDB). DuckDB's ranking is four statements of fixed cost (tens of ms on busy
 * cores), most of a rollup at the default bench's ~3,000 rows an hour, where reading the rows into JS is
 * cheaper; reading costs ~10 µs a row and grows past that fixed cost between ~17k and ~40k rows
 * (`profile-engine.ts --ranking`, 2026-12-07, load ~6: 3k rows JS 69 vs SQL 196 ms; 17k 234 vs 323;
 * 40k 700 vs 586; at 500k 5.8 s vs 1.1 s).
 */
export const RANK_IN_JS_BELOW_ROWS = 25_000;

/** Every row of `win` read into JS, by product_id then channel, and ranked there (rank-window.ts). */
async function rankInJs(c: DuckDBConnection): Promise<RankedChannelWindow> {
  const columns = (await c.runAndReadAll(`SELECT product_id, channel, category, units, revenue_cents, orders, uncategorised FROM win ORDER BY product_id, channel`)).getColumnsJS();
  const column = <T>(i: number) => (columns[i] ?? []) as T[]; // no rows: no columns at all
  return rankChannelWindow({
    productId: column<string>(0),
    channel: column<string>(1),
    category: column<string>(2),
    units: column<bigint>(3),
    revenueCents: column<bigint>(4),
    orders: column<bigint>(5),
    uncategorised: column<boolean>(6),
  });
}

/**
 * The window's totals and stored rows, ranked in DuckDB from the temp table `win` (one row per (product,
 * channel), with its category): the per-product sums are a GROUP BY of `win` (not of the input again),
 * and only the stored rows (ranks ≤ TOP_N_STORED by some metric, overall, per category or per channel)
 * and the totals come back to JS.
 *
 * Ties rank by product_id in byte order: `ORDER BY … product_id` on VARCHAR compares bytes (DuckDB has
 * no default collation), which is Postgres' COLLATE "C"; rank-window.ts holds the same ranking in JS as
 * the reference a spec compares this with (ties, ids beyond the BMP).
 *
 * Was done in JS over the whole window (rank-window.ts) while windows were ~5,000 products: there four
 * `row_number()` windows cost more than the GROUP BY. At 200k products × 4 channels reading every row into
 * JS cost seconds an hour (bench/results/2026-12-07-*-rollup-scale.md); here each window function sorts
 * in DuckDB's own threads and ~10k rows come back.
 */
async function rankInDuckDB(c: DuckDBConnection): Promise<RankedChannelWindow> {
  const n = TOP_N_STORED;
  /** The n-th largest value of a metric in a group (its smallest if the group has fewer rows): `max(x, n)` keeps a heap of n, no sort. */
  const nth = (metric: string) => `list_last(max(${metric}, ${n}))`;
  await c.run(
    `CREATE OR REPLACE TEMP TABLE prod AS
     SELECT product_id, any_value(category) AS category, sum(units)::BIGINT AS units, sum(revenue_cents)::BIGINT AS revenue_cents,
            sum(orders)::BIGINT AS orders, bool_or(uncategorised) AS uncategorised
       FROM win GROUP BY product_id`,
  );
  // Totals: the overall row (channel NULL) and one per channel.
  const totals = (
    await c.runAndReadAll(
      `SELECT NULL::VARCHAR AS channel, count(*)::BIGINT AS products, coalesce(sum(units), 0)::BIGINT, coalesce(sum(revenue_cents), 0)::BIGINT,
              coalesce(sum(orders), 0)::BIGINT, count(*) FILTER (WHERE uncategorised)::BIGINT FROM prod
       UNION ALL
       SELECT channel, count(*)::BIGINT, sum(units)::BIGINT, sum(revenue_cents)::BIGINT, sum(orders)::BIGINT, 0::BIGINT FROM win GROUP BY channel`,
    )
  ).getRowsJS() as Array<[string | null, bigint, bigint, bigint, bigint, bigint]>;
  const rank = (v: unknown): number | null => (Number(v) <= n ? Number(v) : null);
  const overallRows = (
    await c.runAndReadAll(
      `WITH overall AS (SELECT ${nth('units')} AS tu, ${nth('revenue_cents')} AS tr FROM prod),
            per_category AS (SELECT category, ${nth('units')} AS tu, ${nth('revenue_cents')} AS tr FROM prod GROUP BY category),
            candidates AS (SELECT p.* FROM prod p JOIN per_category k ON k.category = p.category CROSS JOIN overall o
                            WHERE p.units >= o.tu OR p.revenue_cents >= o.tr OR p.units >= k.tu OR p.revenue_cents >= k.tr)
       SELECT product_id, category, units, revenue_cents, orders, ru, rr, cru, crr FROM (
         SELECT *, row_number() OVER (ORDER BY units DESC, product_id) AS ru,
                   row_number() OVER (ORDER BY revenue_cents DESC, product_id) AS rr,
                   row_number() OVER (PARTITION BY category ORDER BY units DESC, product_id) AS cru,
                   row_number() OVER (PARTITION BY category ORDER BY revenue_cents DESC, product_id) AS crr
           FROM candidates)
        WHERE ru <= ${n} OR rr <= ${n} OR cru <= ${n} OR crr <= ${n}
        ORDER BY product_id`,
    )
  ).getRowsJS();
  const channelRows = (
    await c.runAndReadAll(
      `WITH per_channel AS (SELECT channel, ${nth('units')} AS tu, ${nth('revenue_cents')} AS tr FROM win GROUP BY channel),
            candidates AS (SELECT w.* FROM win w JOIN per_channel k ON k.channel = w.channel WHERE w.units >= k.tu OR w.revenue_cents >= k.tr)
       SELECT channel, product_id, category, units, revenue_cents, orders, ru, rr FROM (
         SELECT *, row_number() OVER (PARTITION BY channel ORDER BY units DESC, product_id) AS ru,
                   row_number() OVER (PARTITION BY channel ORDER BY revenue_cents DESC, product_id) AS rr
           FROM candidates)
        WHERE ru <= ${n} OR rr <= ${n}
        ORDER BY channel, product_id`,
    )
  ).getRowsJS();
  const topRow = (r: unknown[], at: number, categoryRanks: boolean): TopRow => ({
    productId: r[at] as string,
    category: r[at + 1] as string,
    units: r[at + 2] as bigint,
    revenueCents: r[at + 3] as bigint,
    orders: r[at + 4] as bigint,
    rankUnits: rank(r[at + 5]),
    rankRevenue: rank(r[at + 6]),
    categoryRankUnits: categoryRanks ? rank(r[at + 7]) : null,
    categoryRankRevenue: categoryRanks ? rank(r[at + 8]) : null,
  });
  const overall = totals.find((t) => t[0] === null)!;
  const byChannel = new Map<string, RankedChannel>();
  for (const [channel, products, units, revenueCents, orders] of totals) {
    if (channel !== null) byChannel.set(channel, { channel, products: Number(products), units, revenueCents, orders, top: [] });
  }
  for (const r of channelRows) byChannel.get(r[0] as string)!.top.push(topRow(r, 1, false));
  return {
    products: Number(overall[1]),
    units: overall[2],
    revenueCents: overall[3],
    orders: overall[4],
    uncategorised: Number(overall[5]),
    top: overallRows.map((r) => topRow(r, 0, true)),
    channels: [...byChannel.keys()].sort().map((k) => byChannel.get(k)!), // by name, as rank-window's reference orders them
  };
}

