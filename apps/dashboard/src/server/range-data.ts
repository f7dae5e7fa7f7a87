import { clock } from '@hitboard/runtime/clock';
import 'server-only';
import type { Knex } from 'knex';
import type { RangeEstimateRow, RangeSums, RangeSumsReader } from '@hitboard/lake';
import { CHANNEL_ALL, TABLES, VIEWS, type ChannelFilter, type Metric } from '@hitboard/schema';
import type { IntervalRegistry } from '@hitboard/time';
import type { RangeQuery } from '../lib/params';
import { previousRange, splitUnbuilt, spans, tileChain, tileKey, tileRange, type BuiltTile, type BuiltWindow, type RangeTile } from '../lib/range-tiling';
import { movement, share } from '../lib/ranking';
import type { CategoryTotals, HourSpan, RangeResult, Totals } from '../lib/types';
import { TtlCache } from './ttl-cache';

/**
 * Any range [from, to): the fewest built windows that tile it (`lib/range-tiling`, pure), read from
 * their full rollup files in the lake by DuckDB (`RangeSumsReader`, libs/lake), plus the speed layer's
 * estimates for the hours not built yet. What is built, by which run, and what late data is
 * rebuilding come from `built_windows` (the only batch-layer state the reader role sees).
 *
 * A channel reads that channel throughout: its rows of the tiles' rollup files, and its speed rows for
 * the unbuilt hours. The tiling does not depend on the channel (a window's rollup run builds every
 * channel at once), so `built_windows` plans every channel's range alike.
 *
 * Cache: a result is keyed by the range, the query (channel included) AND the build version (run id) of every tile of the
 * range and of the range before it, so a late-data rebuild of any tile publishes a new run id and the
 * next request misses — no invalidation message is needed. Answers with estimated hours live at most
 * `liveCacheMs`.
 */
export interface RangeDataOptions {
  liveCacheMs?: number;
  exactCacheMs?: number;
  now?: () => number;
}

interface Plan {
  exact: BuiltTile[];
  unbuilt: RangeTile[];
}

interface Estimates {
  rows: RangeEstimateRow[];
  estimateHours: RangeTile[];
  bound: { units: bigint; revenue: bigint };
  totals: { units: bigint; revenue: bigint; orders: bigint | null };
  asOfMs: number;
}

const NO_ESTIMATES: Estimates = { rows: [], estimateHours: [], bound: { units: 0n, revenue: 0n }, totals: { units: 0n, revenue: 0n, orders: 0n }, asOfMs: 0 };

const iso = (ms: number) => new Date(ms).toISOString();
const hourSpans = (tiles: readonly RangeTile[]): HourSpan[] => spans(tiles).map((s) => ({ from: iso(s.startMs), to: iso(s.endMs) }));

export class RangeData {
  private readonly chain: string[];
  private readonly cache: TtlCache<RangeResult>;
  private readonly liveCacheMs: number;
  private readonly exactCacheMs: number;

  constructor(
    private readonly db: Knex,
    readonly registry: IntervalRegistry,
    private readonly reader: RangeSumsReader,
    options: RangeDataOptions = {},
  ) {
    this.chain = tileChain(registry);
    this.liveCacheMs = options.liveCacheMs ?? 2000;
    this.exactCacheMs = options.exactCacheMs ?? 600_000;
    this.cache = new TtlCache(200, options.now ?? clock.now);
  }

  async fetchRange(q: RangeQuery): Promise<RangeResult> {
    const fromMs = q.from.getTime();
    const toMs = q.to.getTime();
    const before = previousRange(this.registry, fromMs, toMs);
    const [plan, previousPlan] = await Promise.all([this.plan(fromMs, toMs), this.plan(before.fromMs, before.toMs)]);
    const versions = (p: Plan) => [p.exact.map((t) => `${tileKey(t)}#${t.runId}${t.dirty ? '*' : ''}`), spans(p.unbuilt).map((s) => `${s.startMs}-${s.endMs}`)];
    const key = JSON.stringify([fromMs, toMs, q.metric, q.k, q.category, q.channel, versions(plan), versions(previousPlan)]);
    const allBuilt = plan.unbuilt.length === 0 && previousPlan.unbuilt.length === 0;
    return this.cache.get(
      key,
      () => this.load(q, plan, previousPlan, before),
      () => (allBuilt ? this.exactCacheMs : this.liveCacheMs),
    );
  }

  /** Answers kept and queries run since start. */
  cacheStats(): { hits: number; misses: number } {
    return { hits: this.cache.hits, misses: this.cache.misses };
  }

  clearCache(): void {
    this.cache.clear();
  }

  /** The range's tiles that are built (exact), and its hours that are not (the speed layer's, or missing). */
  private async plan(fromMs: number, toMs: number): Promise<Plan> {
    const exact: BuiltTile[] = [];
    const unbuilt: RangeTile[] = [];
    let pending = tileRange(this.registry, fromMs, toMs, this.chain);
    for (let guard = 0; pending.length > 0; guard++) {
      if (guard > this.chain.length) throw new Error('range plan did not settle');
      const step = splitUnbuilt(this.registry, this.chain, pending, await this.built(pending));
      exact.push(...step.exact);
      unbuilt.push(...step.unbuilt);
      pending = step.children;
    }
    exact.sort((a, b) => a.startMs - b.startMs);
    unbuilt.sort((a, b) => a.startMs - b.startMs);
    return { exact, unbuilt };
  }

  private async built(tiles: readonly RangeTile[]): Promise<Map<string, BuiltWindow>> {
    const byInterval = new Map<string, Date[]>();
    for (const t of tiles) byInterval.set(t.interval, [...(byInterval.get(t.interval) ?? []), new Date(t.startMs)]);
    const rows = (await this.db(VIEWS.builtWindows)
      .select('interval', 'window_start', 'run_id', 'built_at', 'dirty')
      .where((w) => {
        for (const [interval, starts] of byInterval) w.orWhere((x) => x.where('interval', interval).whereIn('window_start', starts));
      })) as { interval: string; window_start: Date; run_id: bigint; built_at: Date | null; dirty: boolean }[];
    return new Map(
      rows.map((r) => [tileKey({ interval: r.interval, startMs: r.window_start.getTime() }), { runId: String(r.run_id), builtAtMs: r.built_at?.getTime() ?? 0, dirty: r.dirty }]),
    );
  }

  /** The speed layer's candidates, bounds and totals of the channel for the unbuilt hours (those it has rows for). */
  private async estimates(hours: readonly RangeTile[], metric: Metric, channel: ChannelFilter): Promise<Estimates> {
    if (hours.length === 0) return NO_ESTIMATES;
    const starts = hours.map((h) => new Date(h.startMs));
    const [rows, bounds, totals] = await Promise.all([
      this.db(VIEWS.channelTop1000)
        .select('product_id', 'category', 'units', 'revenue_cents', 'as_of')
        .where({ interval: 'hour', channel, metric, source: 'speed' })
        .whereIn('window_start', starts) as Promise<{ product_id: string; category: string; units: bigint; revenue_cents: bigint; as_of: Date | null }[]>,
      // A row's bound is its shard's sketch's eps·N (the channel's own sketch for a channel); an hour's is the largest of them.
      this.db(VIEWS.channelTop1000)
        .select('window_start', 'metric')
        .max({ error_bound: 'error_bound' })
        .where({ interval: 'hour', channel, source: 'speed' })
        .whereIn('window_start', starts)
        .groupBy('window_start', 'metric') as unknown as Promise<{ window_start: Date; metric: Metric; error_bound: bigint }[]>,
      this.db(VIEWS.channelTotals)
        .select('window_start', 'units', 'revenue_cents', 'orders', 'as_of')
        .where({ interval: 'hour', channel, source: 'speed' })
        .whereIn('window_start', starts) as Promise<{ window_start: Date; units: bigint; revenue_cents: bigint; orders: bigint | null; as_of: Date | null }[]>,
    ]);
    const seen = new Set<number>([...bounds.map((b) => b.window_start.getTime()), ...totals.map((t) => t.window_start.getTime())]);
    const bound = { units: 0n, revenue: 0n };
    for (const b of bounds) bound[b.metric] += BigInt(b.error_bound);
    // Orders are known only where every estimated hour counted them (a speed shard may not): else null, never 0.
    const sum: Estimates['totals'] = { units: 0n, revenue: 0n, orders: 0n };
    for (const t of totals) {
      sum.units += BigInt(t.units);
      sum.revenue += BigInt(t.revenue_cents);
      sum.orders = sum.orders === null || t.orders === null ? null : sum.orders + BigInt(t.orders);
    }
    const asOfMs = Math.max(0, ...rows.map((r) => r.as_of?.getTime() ?? 0), ...totals.map((t) => t.as_of?.getTime() ?? 0));
    return {
      rows: rows.map((r) => ({ productId: r.product_id, category: r.category, units: BigInt(r.units), revenueCents: BigInt(r.revenue_cents) })),
      estimateHours: hours.filter((h) => seen.has(h.startMs)),
      bound,
      totals: sum,
      asOfMs,
    };
  }

  private async load(q: RangeQuery, plan: Plan, previousPlan: Plan, before: { fromMs: number; toMs: number }): Promise<RangeResult> {
    const [estimates, previousEstimates] = await Promise.all([this.estimates(plan.unbuilt, q.metric, q.channel), this.estimates(previousPlan.unbuilt, q.metric, q.channel)]);
    const tileRefs = (p: Plan) => p.exact.map((t) => ({ interval: t.interval, windowStartMs: t.startMs }));
    // The lake reader's channel: absent for every channel together.
    const channel = q.channel === CHANNEL_ALL ? {} : { channel: q.channel };
    const sums: RangeSums = await this.reader.read({ tiles: tileRefs(plan), estimates: estimates.rows, metric: q.metric, k: q.k, category: q.category, ...channel });
    const [previousRanks, names] = await Promise.all([
      // Movement compares with the range before, in the same channel.
      this.reader.ranksOf({
        tiles: tileRefs(previousPlan),
        estimates: previousEstimates.rows,
        metric: q.metric,
        category: q.category,
        ...channel,
        productIds: sums.rows.map((r) => r.productId),
      }),
      this.names(sums.rows.map((r) => r.productId)),
    ]);

    const estimated = estimates.estimateHours.length > 0;
    const estimatedStarts = new Set(estimates.estimateHours.map((h) => h.startMs));
    const missing = plan.unbuilt.filter((h) => !estimatedStarts.has(h.startMs));
    const hasData = plan.exact.length > 0 || estimated;
    const totals: Totals | null = hasData
      ? {
          units: String(sums.exactTotals.units + estimates.totals.units),
          revenue: String(sums.exactTotals.revenueCents + estimates.totals.revenue),
          orders: estimates.totals.orders === null ? null : String(sums.exactTotals.orders + estimates.totals.orders),
          products: estimated ? null : String(sums.exactTotals.products),
        }
      : null;
    const categoryTotals: CategoryTotals | null =
      q.category !== null && sums.rankedTotals.products > 0n
        ? {
            units: String(sums.rankedTotals.units),
            revenue: String(sums.rankedTotals.revenueCents),
            products: String(sums.rankedTotals.products),
            complete: !estimated,
          }
        : null;
    const total =
      q.category === null
        ? totals === null
          ? null
          : BigInt(q.metric === 'units' ? totals.units : totals.revenue)
        : q.metric === 'units'
          ? sums.rankedTotals.units
          : sums.rankedTotals.revenueCents;
    const previousHasData = previousPlan.exact.length > 0 || previousEstimates.estimateHours.length > 0;
    const bound = estimated ? estimates.bound[q.metric] : 0n;
    const asOfMs = Math.max(0, ...plan.exact.map((t) => t.builtAtMs), estimates.asOfMs);
    const rebuilding = plan.exact.some((t) => t.dirty);
    return {
      from: q.from.toISOString(),
      to: q.to.toISOString(),
      metric: q.metric,
      category: q.category,
      channel: q.channel,
      source: !hasData ? 'none' : !estimated ? 'batch' : plan.exact.length === 0 ? 'speed' : 'mixed',
      exact: hasData && plan.unbuilt.length === 0 && !rebuilding,
      rebuilding,
      asOf: asOfMs > 0 ? iso(asOfMs) : null,
      hours: { exact: hourSpans(plan.exact), estimate: hourSpans(estimates.estimateHours), missing: hourSpans(missing) },
      estimateBound: estimated ? { units: String(estimates.bound.units), revenue: String(estimates.bound.revenue) } : null,
      tiles: plan.exact.map((t) => ({
        interval: t.interval,
        windowStart: iso(t.startMs),
        windowEnd: iso(t.endMs),
        runId: t.runId,
        builtAt: iso(t.builtAtMs),
        rebuilding: t.dirty,
      })),
      totals,
      categoryTotals,
      previous: { from: iso(before.fromMs), to: iso(before.toMs) },
      rows: sums.rows.map((r) => ({
        rank: r.rank,
        productId: r.productId,
        name: names.get(r.productId)?.name ?? r.productId,
        category: q.category ?? names.get(r.productId)?.category ?? '',
        units: String(r.units),
        revenue: String(r.revenueCents),
        errorBound: String(bound),
        share: share(q.metric === 'units' ? r.units : r.revenueCents, total),
        movement: movement(r.rank, previousRanks.get(r.productId), previousHasData),
      })),
    };
  }

  /** Names and categories from the catalog (as the batch layer's rollups take a product's category). */
  private async names(productIds: string[]): Promise<Map<string, { name: string; category: string }>> {
    if (productIds.length === 0) return new Map();
    const rows = (await this.db(TABLES.products).select('product_id', 'name', 'category').whereIn('product_id', productIds)) as { product_id: string; name: string; category: string }[];
    return new Map(rows.map((r) => [r.product_id, { name: r.name, category: r.category }]));
  }
}
