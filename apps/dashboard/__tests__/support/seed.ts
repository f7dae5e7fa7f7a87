import { clock } from '@hitboard/runtime/clock';
/**
 * Seeds a migrated test database the way the pipelines would: batch windows (a succeeded run, ranked
 * rows, totals) and speed windows (rows per shard, bounds, per-shard totals). Ranks follow the batch
 * layer's rule: value descending, then product id in byte order.
 */
import type { Knex } from 'knex';
import { CHANNEL_ALL, TABLES, type ChannelFilter, type Metric } from '@hitboard/schema';
import { ranksBy } from '@hitboard/testkit';

export interface SeedProduct {
  id: string;
  name?: string;
  category: string;
}

export interface Sale {
  id: string;
  units: bigint;
  revenue: bigint;
  orders?: bigint;
}

const rankBy = (sales: readonly Sale[], metric: Metric): Map<string, number> => ranksBy(sales, (s) => s[metric], (s) => s.id);

export async function seedProducts(knex: Knex, products: readonly SeedProduct[]): Promise<void> {
  await knex(TABLES.products).insert(products.map((p) => ({ product_id: p.id, name: p.name ?? `Product ${p.id}`, category: p.category })));
}

export async function seedBatchWindow(
  knex: Knex,
  interval: string,
  windowStart: Date,
  sales: readonly Sale[],
  /**
   * `channel`: one channel's rows (ranked within it, no category ranks, as the batch layer publishes them),
   * under the window's succeeded run when it has one; default the overall rows ('all').
   */
  options: { finishedAt?: Date; categoryOf?: (id: string) => string; channel?: ChannelFilter } = {},
): Promise<void> {
  const finishedAt = options.finishedAt ?? new Date(windowStart.getTime() + 3_900_000);
  const channel = options.channel ?? CHANNEL_ALL;
  const overall = channel === CHANNEL_ALL;
  const existing = overall
    ? undefined
    : ((await knex(TABLES.rollupRuns).where({ interval, window_start: windowStart, status: 'succeeded' }).first('run_id')) as { run_id: bigint } | undefined);
  const [run] = existing
    ? [existing]
    : await knex(TABLES.rollupRuns)
        .insert({ interval, window_start: windowStart, status: 'succeeded', started_at: finishedAt, finished_at: finishedAt, rows: sales.length })
        .returning('run_id');
  const categoryOf = options.categoryOf ?? (() => '');
  const units = rankBy(sales, 'units');
  const revenue = rankBy(sales, 'revenue');
  const categoryRanks = new Map<string, { units: number; revenue: number }>();
  const byCategory = new Map<string, Sale[]>();
  for (const s of sales) byCategory.set(categoryOf(s.id), [...(byCategory.get(categoryOf(s.id)) ?? []), s]);
  for (const group of byCategory.values()) {
    const u = rankBy(group, 'units');
    const r = rankBy(group, 'revenue');
    for (const s of group) categoryRanks.set(s.id, { units: u.get(s.id)!, revenue: r.get(s.id)! });
  }
  const rows = sales.map((s) => ({
    interval,
    window_start: windowStart,
    channel,
    product_id: s.id,
    units: String(s.units),
    revenue_cents: String(s.revenue),
    orders: String(s.orders ?? s.units),
    rank_units: units.get(s.id),
    rank_revenue: revenue.get(s.id),
    category: categoryOf(s.id),
    category_rank_units: overall ? categoryRanks.get(s.id)!.units : null,
    category_rank_revenue: overall ? categoryRanks.get(s.id)!.revenue : null,
    run_id: (run as { run_id: bigint }).run_id.toString(),
  }));
  for (let i = 0; i < rows.length; i += 500) await knex(TABLES.batchTable).insert(rows.slice(i, i + 500));
  await knex(TABLES.windowTotals).insert({
    interval,
    window_start: windowStart,
    channel,
    source: 'batch',
    shard: -1,
    units: String(sales.reduce((a, s) => a + s.units, 0n)),
    revenue_cents: String(sales.reduce((a, s) => a + s.revenue, 0n)),
    orders: String(sales.reduce((a, s) => a + (s.orders ?? s.units), 0n)),
    products: String(sales.length),
    as_of: finishedAt,
  });
}

export interface SpeedSale extends Sale {
  shard: number;
  errorBound?: bigint;
  revenueErrorBound?: bigint;
}

/** Speed rows for a window; totals per shard are the shard's sums (plus `extraTotal` units/revenue outside the candidates). */
export async function seedSpeedWindow(
  knex: Knex,
  interval: string,
  windowStart: Date,
  sales: readonly SpeedSale[],
  /** `channel`: one channel's rows (its own sketch's bounds); default the overall rows ('all'). */
  options: { updatedAt?: Date; writeTotals?: boolean; channel?: ChannelFilter } = {},
): Promise<void> {
  const updatedAt = options.updatedAt ?? clock.date();
  const channel = options.channel ?? CHANNEL_ALL;
  const rows = sales.map((s) => ({
    interval,
    window_start: windowStart,
    channel,
    shard: s.shard,
    product_id: s.id,
    units: String(s.units),
    revenue_cents: String(s.revenue),
    error_bound: String(s.errorBound ?? 0n),
    revenue_error_bound: String(s.revenueErrorBound ?? 0n),
    updated_at: updatedAt,
  }));
  for (let i = 0; i < rows.length; i += 500) await knex(TABLES.speedTable).insert(rows.slice(i, i + 500));
  if (options.writeTotals === false) return;
  const shards = [...new Set(sales.map((s) => s.shard))];
  await knex(TABLES.windowTotals).insert(
    shards.map((shard) => {
      const mine = sales.filter((s) => s.shard === shard);
      return {
        interval,
        window_start: windowStart,
        channel,
        source: 'speed',
        shard,
        units: String(mine.reduce((a, s) => a + s.units, 0n)),
        revenue_cents: String(mine.reduce((a, s) => a + s.revenue, 0n)),
        // As the speed pipeline writes them: orders and distinct products are not known exactly per shard.
        orders: null,
        products: null,
        as_of: updatedAt,
      };
    }),
  );
}

export interface SeedMover {
  id: string;
  direction?: 'up' | 'down';
  factor: number;
  unitsPerHour: number;
  usualUnitsPerHour: number;
  since: Date;
  isNew?: boolean;
  spark?: number[];
  shard?: number;
}

/** Rows as the speed pipeline writes them to `movers` (one shard unless told). */
export async function seedMovers(knex: Knex, movers: readonly SeedMover[]): Promise<void> {
  await knex(TABLES.movers).insert(
    movers.map((m) => ({
      shard: m.shard ?? 0,
      product_id: m.id,
      direction: m.direction ?? 'up',
      since: m.since,
      span_minutes: 10,
      orders: Math.round(m.unitsPerHour / 6),
      units: Math.round(m.unitsPerHour / 6),
      expected_orders: m.usualUnitsPerHour / 6,
      expected_units: m.usualUnitsPerHour / 6,
      units_per_hour: m.unitsPerHour,
      units_per_hour_low: m.unitsPerHour * 0.8,
      usual_units_per_hour: m.usualUnitsPerHour,
      factor: m.factor,
      p_value: 1e-12,
      is_new: m.isNew ?? false,
      baseline: m.isNew ? 'new' : 'recent',
      spark: m.spark ?? [1, 2, 5, 9, 14],
    })),
  );
}
