import { clock } from '@hitboard/runtime/clock';
import 'server-only';
import type { Knex } from 'knex';
import { TABLES, TOP_N_STORED, VIEWS, type ChannelFilter } from '@hitboard/schema';
import type { IntervalRegistry, Window } from '@hitboard/time';
import { servedIntervals, ParamError, type TopQuery, type TrendQuery, type WindowsQuery } from '../lib/params';
import { closedMovingAverage, movement, share } from '../lib/ranking';
import type { CategoryTotals, IntervalInfo, Metric, Source, TopResult, Totals, TrendResult, WindowInfo } from '../lib/types';
import type { ServingChange } from './serving-changes';
import { TtlCache } from './ttl-cache';
import { catalogCategories } from './catalog-categories';

/**
 * The dashboard's one data module: a fetch function per widget, reading only what the read-only
 * role may read (`channel_top_1000`, `channel_totals`, `top_totals`, `products`). Every bigint leaves
 * here as a string.
 *
 * A window's figures are read from the channel views with the asked channel, 'all' included: the
 * overall rows are those views' channel 'all' rows (what `top_1000`/`top_totals` are), so one query
 * path answers every channel and 'all' answers exactly what it did before channels.
 */
export interface DashboardDataOptions {
  /** How long a live (or not yet exact) window's result is reused, ms; 0 = never. */
  liveCacheMs?: number;
  /** How long a closed, exact window's result is reused at most, ms; a change announced for it drops it sooner (`invalidate`). */
  exactCacheMs?: number;
  /**
   * Whether the cache may answer now: true while every committed change reaches `invalidate` (the
   * serving-changes listener is in place). While false every request queries. Default: always.
   */
  cacheable?: () => boolean;
  now?: () => number;
}

/** The column of the top and totals views that holds a metric's amount (revenue is in cents). */
const AMOUNT_COLUMN = { units: 'units', revenue: 'revenue_cents' } as const satisfies Record<Metric, string>;

interface TopViewRow {
  rank: number;
  category_rank: number | null;
  product_id: string;
  name: string | null;
  category: string;
  units: bigint;
  revenue_cents: bigint;
  source: 'batch' | 'speed';
  error_bound: bigint;
  as_of: Date | null;
}

interface TotalsRow {
  source: 'batch' | 'speed';
  units: bigint;
  revenue_cents: bigint;
  orders: bigint | null;
  products: bigint | null;
  as_of: Date | null;
}

const str = (v: bigint | null | undefined): string | null => (v === null || v === undefined ? null : String(v));

export class DashboardData {
  private readonly topCache: TtlCache<TopResult>;
  private readonly listCache: TtlCache<unknown>;
  private readonly liveCacheMs: number;
  private readonly exactCacheMs: number;
  private readonly now: () => number;
  private readonly cacheable: () => boolean;

  constructor(
    private readonly db: Knex,
    readonly registry: IntervalRegistry,
    options: DashboardDataOptions = {},
  ) {
    this.liveCacheMs = options.liveCacheMs ?? 2000;
    this.exactCacheMs = options.exactCacheMs ?? 60_000;
    this.now = options.now ?? clock.now;
    this.cacheable = options.cacheable ?? (() => true);
    this.topCache = new TtlCache(500, this.now);
    this.listCache = new TtlCache(100, this.now);
  }

  /** The interval selector: every served interval of the registry, in DAG order. */
  fetchIntervals(): { intervals: IntervalInfo[]; timeZone: string } {
    const served = new Set(servedIntervals(this.registry));
    return {
      intervals: this.registry
        .all()
        .filter((s) => served.has(s.name))
        .map((s) => ({ name: s.name, rolledUpFrom: s.rolledUpFrom })),
      timeZone: this.registry.timeZone,
    };
  }

  /** The window holding `at` (default now) — what "current" means in the reporting zone. */
  currentWindow(interval: string, at: number = this.now()): Window {
    return this.registry.windowAt(interval, at);
  }

  /** A window is live until its end has passed. */
  isLive(window: Window): boolean {
    return window.end.getTime() > this.now();
  }

  /**
   * Windows that hold data the reader can see, newest first: every window with totals (the batch
   * layer writes them with its rows), plus speed windows with a rank-1 row whose totals are not
   * written yet. `source = 'speed'` prunes the view's batch branches (a constant per branch), so
   * this never scans batch_table's history.
   */
  async fetchWindows(q: WindowsQuery): Promise<{ interval: string; windows: WindowInfo[] }> {
    const rows = (await this.cached(`windows:${q.interval}:${q.limit}`, this.liveCacheMs, async () => {
      const fromTotals = this.db(VIEWS.topTotals).select('window_start', 'source').where('interval', q.interval);
      const fromTop = this.db(VIEWS.top1000)
        .select('window_start', 'source')
        .where({ interval: q.interval, metric: 'units', rank: 1, source: 'speed' });
      return this.db
        .select('window_start', 'source')
        .from(fromTotals.union(fromTop).as('w'))
        .orderBy('window_start', 'desc')
        .limit(q.limit);
    })) as { window_start: Date; source: 'batch' | 'speed' }[];
    const seen = new Set<number>();
    const windows: WindowInfo[] = [];
    for (const r of rows) {
      if (seen.has(r.window_start.getTime())) continue;
      seen.add(r.window_start.getTime());
      const w = this.registry.windowAt(q.interval, r.window_start);
      windows.push({ windowStart: w.start.toISOString(), windowEnd: w.end.toISOString(), source: r.source });
    }
    return { interval: q.interval, windows };
  }

  /** Categories of the catalog, byte order — the category filter's choices. */
  async fetchCategories(): Promise<string[]> {
    return this.cached('categories', this.exactCacheMs, () => catalogCategories(this.db));
  }

  /** Refuses a category the catalog does not know (a 400, not an empty list that looks like "no sales"). */
  async assertCategory(category: string | null): Promise<void> {
    if (category === null) return;
    const known = await this.fetchCategories();
    if (!known.includes(category)) throw new ParamError('category', `unknown category ${JSON.stringify(category)}`);
  }

  /** The top list of one window: rows ranked by the metric (within the category when given), totals, source and movement. */
  async fetchTop(q: TopQuery): Promise<TopResult> {
    const window = q.windowStart ? this.registry.windowStartingAt(q.interval, q.windowStart) : this.currentWindow(q.interval);
    // The interval and window lead the key: `invalidate` drops a window's answers of every channel by them.
    const key = JSON.stringify([q.interval, window.start.getTime(), q.metric, q.k, q.category, q.channel]);
    const live = this.isLive(window);
    if (!this.cacheable()) return this.loadTop(window, q.metric, q.k, q.category, q.channel);
    return this.topCache.get(
      key,
      () => this.loadTop(window, q.metric, q.k, q.category, q.channel),
      (r) => (!live && r.exact ? this.exactCacheMs : this.liveCacheMs),
    );
  }

  private async loadTop(window: Window, metric: Metric, k: number, category: string | null, channel: ChannelFilter): Promise<TopResult> {
    // One snapshot for the whole response: rows and totals read apart could straddle a batch
    // publish and serve exact rows with speed totals (or the reverse), then cache that for minutes.
    const { rows, totalsRow, categoryRow, before, previousHasData } = await this.db.transaction(
      async (trx) => {
        const rows = await this.topRows(trx, window, metric, k, category, channel);
        const totalsRow = await this.totals(trx, window, channel);
        const categoryRow = category === null ? undefined : await this.categoryTotals(trx, window, metric, category, channel);
        // Movement compares with the previous window of the same channel.
        const previous = this.registry.previous(window);
        const before = rows.length === 0 ? new Map<string, number | null>() : await this.ranksIn(trx, previous, metric, category, channel, rows.map((r) => r.product_id));
        // Nothing is "new" against a window with no data: that is no comparison at all.
        const previousHasData = rows.length > 0 && (before.size > 0 || (await this.totals(trx, previous, channel)) !== undefined);
        return { rows, totalsRow, categoryRow, before, previousHasData };
      },
      { isolationLevel: 'repeatable read', readOnly: true },
    );

    const totals: Totals | null = totalsRow
      ? { units: String(totalsRow.units), revenue: String(totalsRow.revenue_cents), orders: str(totalsRow.orders), products: str(totalsRow.products) }
      : null;
    const source: Source = rows[0]?.source ?? totalsRow?.source ?? 'none';
    // With a category, a share is of the category's total: exact from the batch layer when its stored list
    // holds every product of the category; from the speed layer, of its products among the live candidates.
    const categoryTotals: CategoryTotals | null =
      categoryRow && categoryRow.products > 0n
        ? {
            units: String(categoryRow.units),
            revenue: String(categoryRow.revenue_cents),
            products: String(categoryRow.products),
            complete: source === 'batch' && categoryRow.products < BigInt(TOP_N_STORED),
          }
        : null;
    const total = category === null ? (totalsRow ? totalsRow[AMOUNT_COLUMN[metric]] : null) : categoryRow && categoryRow.products > 0n ? categoryRow[AMOUNT_COLUMN[metric]] : null;
    const asOfMs = Math.max(...rows.map((r) => r.as_of?.getTime() ?? 0), totalsRow?.as_of?.getTime() ?? 0);
    return {
      interval: window.interval,
      windowStart: window.start.toISOString(),
      windowEnd: window.end.toISOString(),
      metric,
      category,
      channel,
      source,
      exact: source === 'batch',
      asOf: asOfMs > 0 ? new Date(asOfMs).toISOString() : null,
      totals,
      categoryTotals,
      rows: rows.map((r) => {
        const rank = category === null ? r.rank : (r.category_rank ?? r.rank);
        return {
          rank,
          productId: r.product_id,
          name: r.name ?? r.product_id,
          category: r.category,
          units: String(r.units),
          revenue: String(r.revenue_cents),
          errorBound: String(r.error_bound),
          share: share(r[AMOUNT_COLUMN[metric]], total),
          movement: movement(rank, before.get(r.product_id), previousHasData),
        };
      }),
    };
  }

  private async topRows(db: Knex, window: Window, metric: Metric, k: number, category: string | null, channel: ChannelFilter): Promise<TopViewRow[]> {
    const rankColumn = category === null ? 't.rank' : 't.category_rank';
    const query = db({ t: VIEWS.channelTop1000 })
      .leftJoin({ p: TABLES.products }, 'p.product_id', 't.product_id')
      .select('t.rank', 't.category_rank', 't.product_id', 'p.name', 't.category', 't.units', 't.revenue_cents', 't.source', 't.error_bound', 't.as_of')
      .where({ 't.interval': window.interval, 't.window_start': window.start, 't.channel': channel, 't.metric': metric })
      .where(rankColumn, '<=', k)
      .orderBy(rankColumn)
      .orderByRaw('t.product_id COLLATE "C"');
    if (category !== null) query.where('t.category', category);
    return query;
  }

  private async totals(db: Knex, window: Window, channel: ChannelFilter): Promise<TotalsRow | undefined> {
    return db(VIEWS.channelTotals)
      .select('source', 'units', 'revenue_cents', 'orders', 'products', 'as_of')
      .where({ interval: window.interval, window_start: window.start, channel })
      .first();
  }

  /** The category's sums over its rows in the stored list for the metric (every product of it, when fewer than TOP_N_STORED). */
  private async categoryTotals(db: Knex, window: Window, metric: Metric, category: string, channel: ChannelFilter): Promise<{ units: bigint; revenue_cents: bigint; products: bigint }> {
    const row = (await db(VIEWS.channelTop1000)
      .where({ interval: window.interval, window_start: window.start, channel, metric, category })
      .select(db.raw('count(*)::bigint AS products, coalesce(sum(units), 0)::bigint AS units, coalesce(sum(revenue_cents), 0)::bigint AS revenue_cents'))
      .first()) as { units: bigint; revenue_cents: bigint; products: bigint };
    return { units: BigInt(row.units), revenue_cents: BigInt(row.revenue_cents), products: BigInt(row.products) };
  }

  /** Ranks of some products in a window (within the category when given); absent = outside its stored top. */
  private async ranksIn(db: Knex, window: Window, metric: Metric, category: string | null, channel: ChannelFilter, productIds: string[]): Promise<Map<string, number | null>> {
    const query = db(VIEWS.channelTop1000)
      .select('product_id', 'rank', 'category_rank')
      .where({ interval: window.interval, window_start: window.start, channel, metric })
      .whereIn('product_id', productIds);
    if (category !== null) query.where('category', category);
    const rows = (await query) as { product_id: string; rank: number; category_rank: number | null }[];
    return new Map(rows.map((r) => [r.product_id, category === null ? r.rank : r.category_rank]));
  }

  /** One product's figure (in the query's channel) per window over [from, to), with a trailing moving average. */
  async fetchTrend(q: TrendQuery): Promise<TrendResult> {
    const windows = this.registry.windowsBetween(q.interval, q.from, q.to);
    const [rows, product] = await Promise.all([
      this.db(VIEWS.channelTop1000)
        .select('window_start', 'units', 'revenue_cents', 'source', 'rank')
        .where({ interval: q.interval, channel: q.channel, metric: q.metric, product_id: q.productId })
        .where('window_start', '>=', windows[0]?.start ?? q.from)
        .where('window_start', '<', q.to) as Promise<{ window_start: Date; units: bigint; revenue_cents: bigint; source: 'batch' | 'speed'; rank: number }[]>,
      this.db(TABLES.products).select('name', 'category').where('product_id', q.productId).first() as Promise<
        { name: string; category: string } | undefined
      >,
    ]);
    const byStart = new Map(rows.map((r) => [r.window_start.getTime(), r]));
    const values = windows.map((w) => {
      const r = byStart.get(w.start.getTime());
      return r ? r[AMOUNT_COLUMN[q.metric]] : null;
    });
    const averages = closedMovingAverage(
      values,
      windows.map((w) => this.isLive(w)),
      q.movingAverageWindows,
    );
    return {
      productId: q.productId,
      name: product?.name ?? null,
      category: product?.category ?? null,
      interval: q.interval,
      metric: q.metric,
      channel: q.channel,
      from: (windows[0]?.start ?? q.from).toISOString(),
      to: q.to.toISOString(),
      movingAverageWindows: q.movingAverageWindows,
      points: windows.map((w, i) => {
        const r = byStart.get(w.start.getTime());
        return {
          windowStart: w.start.toISOString(),
          value: str(values[i]),
          movingAverage: averages[i] ?? null,
          source: r?.source ?? 'none',
          rank: r?.rank ?? null,
        };
      }),
    };
  }

  /** Closes the connection pool. */
  async destroy(): Promise<void> {
    await this.db.destroy();
  }

  clearCache(): void {
    this.topCache.clear();
    this.listCache.clear();
  }

  /**
   * Drops what a committed change makes stale: a window's top lists of every channel (a change names
   * the window, not the channel), those of the window after it (their movement reads this one's
   * ranks) and its interval's window list; everything for `all`.
   */
  invalidate(change: ServingChange): void {
    if (change.kind === 'all') return this.clearCache();
    const { interval, windowStartMs } = change;
    let nextStartMs: number | null = null;
    try {
      nextStartMs = this.registry.windowStartingAt(interval, new Date(windowStartMs)).end.getTime();
    } catch {
      // Not a window boundary of a registered interval: drop the whole interval below.
    }
    this.topCache.deleteWhere((key) => {
      const [i, startMs] = JSON.parse(key) as [string, number];
      return i === interval && (nextStartMs === null || startMs === windowStartMs || startMs === nextStartMs);
    });
    this.listCache.deleteWhere((key) => key.startsWith(`windows:${interval}:`));
  }

  /** Answers served from the cache and queries run for it, since start (top lists and lists together). */
  cacheStats(): { hits: number; misses: number } {
    return { hits: this.topCache.hits + this.listCache.hits, misses: this.topCache.misses + this.listCache.misses };
  }

  private cached<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
    if (!this.cacheable()) return Promise.resolve(load());
    return this.listCache.get(key, load, () => ttlMs) as Promise<T>;
  }
}
