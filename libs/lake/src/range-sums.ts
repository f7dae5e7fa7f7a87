import { DuckDBInstance } from '@duckdb/node-api';
import type { StoredChannel } from '@hitboard/schema';
import { channelledParquet, sqlString } from './columns';
import { rollupFilePath } from './rollup-paths';
import type { LakeStore } from './store';

/** A built window whose full rollup file is one tile of a range. */
export interface RangeTileRef {
  interval: string;
  windowStartMs: number;
}

/** A speed-layer estimate for a product over the range's unbuilt hours (summed over them by the caller or not: rows add). */
export interface RangeEstimateRow {
  productId: string;
  category: string;
  units: bigint;
  revenueCents: bigint;
}

export interface RangeSumsQuery {
  tiles: readonly RangeTileRef[];
  estimates?: readonly RangeEstimateRow[];
  metric: 'units' | 'revenue';
  k: number;
  /** Rank within this category (and total over it) when given. */
  category?: string | null;
  /** Products whose rank in this range is wanted whatever it is (the movement of another range's top). */
  rankOf?: readonly string[];
  /**
   * Only this channel's rows of each tile (a tile written before the lake kept channels counts as
   * 'unknown'); `estimates` are then that channel's. Absent: every channel, the overall figures.
   */
  channel?: StoredChannel;
}

/**
 * A SELECT of `columns` over the tiles' rollup rows: every row (the overall figures; a plain scan, tiles
 * of both shapes line up by name), or one channel's (`channelledParquet`: an older tile's rows are 'unknown').
 */
function tileRows(paths: readonly string[], columns: string, channel: StoredChannel | undefined): string {
  return channel === undefined
    ? `SELECT ${columns} FROM read_parquet([${paths.map(sqlString).join(', ')}], hive_partitioning = false)`
    : `SELECT ${columns} FROM ${channelledParquet(paths)} WHERE channel = ${sqlString(channel)}`;
}

export interface RangeRankedRow {
  rank: number;
  productId: string;
  /** With a category asked for, that category; otherwise '' (the caller reads it from the catalog). */
  category: string;
  units: bigint;
  revenueCents: bigint;
  /** Whether part of the figure is a speed-layer estimate. */
  estimated: boolean;
}

export interface RangeTotals {
  units: bigint;
  revenueCents: bigint;
  orders: bigint;
  products: bigint;
}

export interface RangeSums {
  rows: RangeRankedRow[];
  /** The exact part's sums over every product of every category (estimate rows left out); products = distinct products. */
  exactTotals: RangeTotals;
  /** Sums over what is ranked: every product, or the category's, estimates included; products = how many ranked. */
  rankedTotals: RangeTotals;
  /** Ranks of `rankOf` products that sold in the range. */
  ranksOf: Map<string, number>;
}

/**
 * Exact sums of any set of built windows, from their full rollup files in the lake (every product,
 * never a stored top list), in one DuckDB GROUP BY, plus speed-layer estimate rows added in the same
 * GROUP BY; ranked as the batch layer ranks a window (value descending, then product_id in byte order,
 * DuckDB's default collation — `COLLATE "C"` in the serving view). A tile holds a row per (product,
 * channel): a product's rows add up to its overall figure, or one channel's are read. The caller picks the tiles
 * (disjoint, so nothing is counted twice); reading goes through the lake store, so an S3 lake is
 * read from its local cache.
 *
 * One DuckDB instance per reader, a connection per query; `close` releases it.
 */
export class RangeSumsReader {
  private instance: Promise<DuckDBInstance> | null = null;

  constructor(private readonly store: LakeStore) {}

  private duckdb(): Promise<DuckDBInstance> {
    // The object cache keeps Parquet footers between queries (a range reads dozens of files again and again).
    // A rebuilt tile is still read anew: DuckDB re-reads a footer whose file changed since (or within 10 s
    // before) it was cached, and an S3 lake's cached copies are named by ETag (rangeSumsFromEitherStore.spec).
    this.instance ??= DuckDBInstance.create(':memory:', { enable_object_cache: 'true' });
    return this.instance;
  }

  async read(q: RangeSumsQuery): Promise<RangeSums> {
    const keys = q.tiles.map((t) => rollupFilePath(t.interval, t.windowStartMs));
    return this.store.withLocalFiles(keys, (paths) => this.query(paths, q));
  }

  private async query(paths: string[], q: RangeSumsQuery): Promise<RangeSums> {
    const parts: string[] = [];
    if (paths.length > 0) {
      parts.push(
        tileRows(paths, 'product_id, category, units, revenue_cents, orders, false AS estimated', q.channel),
      );
    }
    const estimates = q.estimates ?? [];
    if (estimates.length > 0) {
      const values = estimates.map((e) => `(${sqlString(e.productId)}, ${sqlString(e.category)}, ${e.units}::BIGINT, ${e.revenueCents}::BIGINT)`).join(', ');
      parts.push(`SELECT product_id, category, units, revenue_cents, 0::BIGINT AS orders, true AS estimated FROM (VALUES ${values}) e(product_id, category, units, revenue_cents)`);
    }
    const zero = { units: 0n, revenueCents: 0n, orders: 0n, products: 0n };
    if (parts.length === 0) return { rows: [], exactTotals: zero, rankedTotals: zero, ranksOf: new Map() };
    const metricColumn = q.metric === 'units' ? 'units' : 'revenue_cents';
    const categoryFilter = q.category === null || q.category === undefined ? '' : `WHERE category = ${sqlString(q.category)}`;
    const rankOf = q.rankOf ?? [];
    const wanted = `product_id IN (${rankOf.map(sqlString).join(', ')})`;
    const k = Math.max(0, Math.floor(q.k));
    // One scan of the files: per product its sums, and (with estimates) its exact part apart, so the
    // exact totals come from the grouped rows, not from a second pass over the union.
    const hasEstimates = estimates.length > 0;
    // A product's category is aggregated only to filter on it (a string max over every row costs a fifth of
    // the scan); otherwise the caller takes it from the catalog. Category: the newest-named in the files (max).
    const categoryColumn = categoryFilter === '' ? "''" : 'max(category)';
    const exactParts = hasEstimates
      ? `, coalesce(sum(units) FILTER (WHERE NOT estimated), 0)::BIGINT AS x_units, coalesce(sum(revenue_cents) FILTER (WHERE NOT estimated), 0)::BIGINT AS x_revenue,
         bool_or(NOT estimated) AS x_in`
      : '';
    const sql = `
      WITH sums AS MATERIALIZED (
        SELECT product_id, ${categoryColumn} AS category, sum(units)::BIGINT AS units, sum(revenue_cents)::BIGINT AS revenue_cents,
               sum(orders)::BIGINT AS orders, ${hasEstimates ? 'bool_or(estimated)' : 'false'} AS estimated ${exactParts}
          FROM (${parts.join(' UNION ALL ')})
         GROUP BY product_id),
      pick AS (SELECT * FROM sums ${categoryFilter})
      -- The top k by a Top-N (ORDER BY + LIMIT, in the order of the ranks), numbered after: a row_number over
      -- every product sorted them all. Every product is numbered only when ranks of given products are asked for.
      SELECT * FROM (
        SELECT 'row' AS kind, row_number() OVER (ORDER BY ${metricColumn} DESC, product_id) AS rank, product_id, category, units, revenue_cents, orders, estimated
          FROM (SELECT * FROM pick ORDER BY ${metricColumn} DESC, product_id LIMIT ${k}))
      ${
        rankOf.length === 0
          ? ''
          : `UNION ALL
      SELECT * FROM (
        SELECT 'wanted' AS kind, row_number() OVER (ORDER BY ${metricColumn} DESC, product_id) AS rank, product_id, category, units, revenue_cents, orders, estimated FROM pick)
       WHERE ${wanted}`
      }
      UNION ALL
      SELECT 'exact', ${hasEstimates ? 'count(*) FILTER (WHERE x_in)' : 'count(*)'}, NULL, NULL, coalesce(sum(${hasEstimates ? 'x_units' : 'units'}), 0)::BIGINT,
             coalesce(sum(${hasEstimates ? 'x_revenue' : 'revenue_cents'}), 0)::BIGINT, coalesce(sum(orders), 0)::BIGINT, NULL
        FROM sums
      UNION ALL
      SELECT 'ranked', count(*), NULL, NULL, coalesce(sum(units), 0)::BIGINT, coalesce(sum(revenue_cents), 0)::BIGINT, coalesce(sum(orders), 0)::BIGINT, NULL FROM pick`;
    const connection = await (await this.duckdb()).connect();
    try {
      const result = (await connection.runAndReadAll(sql)).getRowObjectsJS();
      const rows: RangeRankedRow[] = [];
      const ranksOf = new Map<string, number>();
      const wantedSet = new Set(rankOf);
      let exactTotals = zero;
      let rankedTotals = zero;
      const totalsOf = (r: Record<string, unknown>): RangeTotals => ({
        units: BigInt(r['units'] as bigint),
        revenueCents: BigInt(r['revenue_cents'] as bigint),
        orders: BigInt(r['orders'] as bigint),
        products: BigInt(r['rank'] as bigint),
      });
      for (const r of result) {
        if (r['kind'] === 'exact') exactTotals = totalsOf(r);
        else if (r['kind'] === 'ranked') rankedTotals = totalsOf(r);
        else {
          const rank = Number(r['rank']);
          const productId = String(r['product_id']);
          if (wantedSet.has(productId)) ranksOf.set(productId, rank);
          if (r['kind'] === 'row') {
            rows.push({
              rank,
              productId,
              category: String(r['category']),
              units: BigInt(r['units'] as bigint),
              revenueCents: BigInt(r['revenue_cents'] as bigint),
              estimated: Boolean(r['estimated']),
            });
          }
        }
      }
      rows.sort((a, b) => a.rank - b.rank);
      return { rows, exactTotals, rankedTotals, ranksOf };
    } finally {
      connection.closeSync();
    }
  }

  /**
   * Only the ranks, in the range, of some products (the movement of another range's top list): the
   * metric's sums alone, ranked like `read` — about the cost of a bare GROUP BY.
   */
  async ranksOf(q: {
    tiles: readonly RangeTileRef[];
    estimates?: readonly RangeEstimateRow[];
    metric: 'units' | 'revenue';
    category?: string | null;
    productIds: readonly string[];
    /** As in `RangeSumsQuery`: one channel's rows only; absent, every channel. */
    channel?: StoredChannel;
  }): Promise<Map<string, number>> {
    const ranks = new Map<string, number>();
    const estimates = q.estimates ?? [];
    if (q.productIds.length === 0 || (q.tiles.length === 0 && estimates.length === 0)) return ranks;
    const keys = q.tiles.map((t) => rollupFilePath(t.interval, t.windowStartMs));
    const column = q.metric === 'units' ? 'units' : 'revenue_cents';
    const filtered = q.category !== null && q.category !== undefined;
    return this.store.withLocalFiles(keys, async (paths) => {
      const parts: string[] = [];
      if (paths.length > 0) parts.push(tileRows(paths, `product_id, category, ${column} AS m`, q.channel));
      if (estimates.length > 0) {
        const values = estimates.map((e) => `(${sqlString(e.productId)}, ${sqlString(e.category)}, ${q.metric === 'units' ? e.units : e.revenueCents}::BIGINT)`).join(', ');
        parts.push(`SELECT * FROM (VALUES ${values}) e(product_id, category, m)`);
      }
      const connection = await (await this.duckdb()).connect();
      try {
        const reader = await connection.runAndReadAll(
          `WITH sums AS (SELECT product_id, ${filtered ? 'max(category)' : "''"} AS category, sum(m) AS m FROM (${parts.join(' UNION ALL ')}) GROUP BY product_id),
                ranked AS (SELECT product_id, row_number() OVER (ORDER BY m DESC, product_id) AS rank FROM sums ${filtered ? `WHERE category = ${sqlString(q.category!)}` : ''})
           SELECT product_id, rank FROM ranked WHERE product_id IN (${q.productIds.map(sqlString).join(', ')})`,
        );
        for (const row of reader.getRowObjectsJS()) ranks.set(String(row['product_id']), Number(row['rank']));
        return ranks;
      } finally {
        connection.closeSync();
      }
    });
  }

  /** The floor the benchmark compares with: DuckDB's own GROUP BY over the same files, nothing else (no ranking, no reading into JS beyond the top k). */
  async groupByOnly(tiles: readonly RangeTileRef[], metric: 'units' | 'revenue', k: number, channel?: StoredChannel): Promise<number> {
    const keys = tiles.map((t) => rollupFilePath(t.interval, t.windowStartMs));
    return this.store.withLocalFiles(keys, async (paths) => {
      const connection = await (await this.duckdb()).connect();
      try {
        const column = metric === 'units' ? 'units' : 'revenue_cents';
        const reader = await connection.runAndReadAll(
          `SELECT product_id, sum(v) AS v FROM (${tileRows(paths, `product_id, ${column} AS v`, channel)}) GROUP BY product_id ORDER BY v DESC LIMIT ${k}`,
        );
        return reader.currentRowCount;
      } finally {
        connection.closeSync();
      }
    });
  }

  async close(): Promise<void> {
    const instance = this.instance;
    this.instance = null;
    if (instance) (await instance).closeSync();
  }
}
