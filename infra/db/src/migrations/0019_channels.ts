/**
 * Sales channel is a dimension (issue 27): every serving table keeps per-channel rows beside the overall
 * ones, and the overall figures are exactly what they were.
 *
 * - `batch_table`, `speed_table` and `window_totals` gain `channel`: 'all' for the overall figures (every
 *   row written before this migration), or one stored channel ('web', 'app', 'store', 'marketplace', and
 *   'unknown' for lake rows written before the lake kept a channel). The channel joins each primary key.
 *   Per-channel batch rows rank within their channel (`rank_units`, `rank_revenue`); only overall rows
 *   carry category ranks.
 * - `channel_top_1000` is the serving view with a `channel` column: per (window, channel) the batch rows
 *   when the window has a succeeded run, else the speed rows summed across shards and ranked within the
 *   channel. `top_1000` is now that view's overall rows (channel 'all'), with the columns it always had,
 *   so every reader of `top_1000` reads what it read before. `channel_totals` and `top_totals` likewise.
 *   A filter on `channel` reaches every branch (it is in every window function's partition), so one
 *   window of one channel is still read through the primary keys.
 *
 * Frozen literals throughout: a migration is history, and must not follow later renames.
 */
import type { Knex } from 'knex';
// `down` restores the views as 0017 left them.
import { servingViews } from './0003_batch_layer_and_totals';

const hasSucceededRun = (alias: string) =>
  `EXISTS (SELECT 1 FROM rollup_runs ok
            WHERE ok."interval" = ${alias}."interval" AND ok.window_start = ${alias}.window_start AND ok.status = 'succeeded')`;

const batchBranch = (metric: string, rank: string, categoryRank: string) => `
SELECT b."interval", b.window_start, b.channel, '${metric}'::text AS metric, b.${rank} AS rank, b.product_id, b.units, b.revenue_cents,
       'batch'::text AS source, 0::bigint AS error_bound, r.finished_at AS as_of, b.category, b.${categoryRank} AS category_rank
  FROM batch_table b
  JOIN rollup_runs r ON r.run_id = b.run_id AND r.status = 'succeeded'
 WHERE (b.${rank} <= 1000 OR b.${categoryRank} <= 1000)`;

const speedByProduct = `
SELECT s."interval", s.window_start, s.channel, s.product_id, coalesce(min(p.category), '') AS category,
       sum(s.units)::bigint               AS units,
       sum(s.revenue_cents)::bigint       AS revenue_cents,
       sum(s.error_bound)::bigint         AS error_bound,
       sum(s.revenue_error_bound)::bigint AS revenue_error_bound,
       max(s.updated_at)                  AS as_of
  FROM speed_table s
  LEFT JOIN products p ON p.product_id = s.product_id
 WHERE NOT ${hasSucceededRun('s')}
 GROUP BY s."interval", s.window_start, s.channel, s.product_id`;

const speedBranch = (metric: string, value: string, bound: string) => `
SELECT k."interval", k.window_start, k.channel, '${metric}'::text AS metric, k.rank::int AS rank, k.product_id, k.units, k.revenue_cents,
       'speed'::text AS source, k.${bound} AS error_bound, k.as_of, k.category, k.category_rank::int AS category_rank
  FROM (SELECT p.*,
               row_number() OVER (PARTITION BY p."interval", p.window_start, p.channel
                                  ORDER BY p.${value} DESC, p.product_id COLLATE "C") AS rank,
               row_number() OVER (PARTITION BY p."interval", p.window_start, p.channel, p.category
                                  ORDER BY p.${value} DESC, p.product_id COLLATE "C") AS category_rank
          FROM (${speedByProduct}) p) k
 WHERE (k.rank <= 1000 OR k.category_rank <= 1000)`;

const channelTopView = `CREATE VIEW channel_top_1000 AS
${[
  batchBranch('units', 'rank_units', 'category_rank_units'),
  batchBranch('revenue', 'rank_revenue', 'category_rank_revenue'),
  speedBranch('units', 'units', 'error_bound'),
  speedBranch('revenue', 'revenue_cents', 'revenue_error_bound'),
].join('\nUNION ALL')}`;

const topView = `CREATE VIEW top_1000 AS
SELECT "interval", window_start, metric, rank, product_id, units, revenue_cents, source, error_bound, as_of, category, category_rank
  FROM channel_top_1000
 WHERE channel = 'all'`;

const channelTotalsView = `CREATE VIEW channel_totals AS
SELECT t."interval", t.window_start, t.channel, 'batch'::text AS source, t.units, t.revenue_cents, t.orders, t.products, t.as_of
  FROM window_totals t
 WHERE t.source = 'batch' AND ${hasSucceededRun('t')}
UNION ALL
SELECT t."interval", t.window_start, t.channel, 'speed'::text AS source,
       sum(t.units)::bigint, sum(t.revenue_cents)::bigint, sum(t.orders)::bigint, sum(t.products)::bigint, max(t.as_of)
  FROM window_totals t
 WHERE t.source = 'speed' AND NOT ${hasSucceededRun('t')}
 GROUP BY t."interval", t.window_start, t.channel`;

const totalsView = `CREATE VIEW top_totals AS
SELECT "interval", window_start, source, units, revenue_cents, orders, products, as_of
  FROM channel_totals
 WHERE channel = 'all'`;

export async function up(knex: Knex): Promise<void> {
  const statements = [
    `DROP VIEW top_totals`,
    `DROP VIEW top_1000`,
    `ALTER TABLE batch_table ADD COLUMN channel text NOT NULL DEFAULT 'all'
       CHECK (channel IN ('all', 'web', 'app', 'store', 'marketplace', 'unknown'))`,
    `ALTER TABLE batch_table DROP CONSTRAINT batch_table_pkey, ADD PRIMARY KEY ("interval", window_start, channel, product_id)`,
    `ALTER TABLE speed_table ADD COLUMN channel text NOT NULL DEFAULT 'all'
       CHECK (channel IN ('all', 'web', 'app', 'store', 'marketplace', 'unknown'))`,
    `ALTER TABLE speed_table DROP CONSTRAINT speed_table_pkey, ADD PRIMARY KEY ("interval", window_start, channel, shard, product_id)`,
    `ALTER TABLE window_totals ADD COLUMN channel text NOT NULL DEFAULT 'all'
       CHECK (channel IN ('all', 'web', 'app', 'store', 'marketplace', 'unknown'))`,
    `ALTER TABLE window_totals DROP CONSTRAINT window_totals_pkey, ADD PRIMARY KEY ("interval", window_start, channel, source, shard)`,
    // A channel's top lists by rank, as the category indexes serve a category's.
    `CREATE INDEX batch_table_channel_units_idx ON batch_table ("interval", window_start, channel, rank_units)`,
    `CREATE INDEX batch_table_channel_revenue_idx ON batch_table ("interval", window_start, channel, rank_revenue)`,
    channelTopView,
    topView,
    channelTotalsView,
    totalsView,
    `GRANT SELECT ON channel_top_1000, top_1000, channel_totals, top_totals TO hitboard_reader`,
  ];
  for (const sql of statements) await knex.raw(sql);
}

export async function down(knex: Knex): Promise<void> {
  const { topView: previousTopView, totalsView: previousTotalsView } = servingViews('revenue_cents');
  const statements = [
    `DROP VIEW top_totals`,
    `DROP VIEW top_1000`,
    `DROP VIEW channel_totals`,
    `DROP VIEW channel_top_1000`,
    `DELETE FROM batch_table WHERE channel <> 'all'`,
    `DELETE FROM speed_table WHERE channel <> 'all'`,
    `DELETE FROM window_totals WHERE channel <> 'all'`,
    `DROP INDEX batch_table_channel_units_idx, batch_table_channel_revenue_idx`,
    `ALTER TABLE batch_table DROP CONSTRAINT batch_table_pkey, ADD PRIMARY KEY ("interval", window_start, product_id)`,
    `ALTER TABLE speed_table DROP CONSTRAINT speed_table_pkey, ADD PRIMARY KEY ("interval", window_start, shard, product_id)`,
    `ALTER TABLE window_totals DROP CONSTRAINT window_totals_pkey, ADD PRIMARY KEY ("interval", window_start, source, shard)`,
    `ALTER TABLE batch_table DROP COLUMN channel`,
    `ALTER TABLE speed_table DROP COLUMN channel`,
    `ALTER TABLE window_totals DROP COLUMN channel`,
    previousTopView,
    previousTotalsView,
    `GRANT SELECT ON top_1000, top_totals TO hitboard_reader`,
  ];
  for (const sql of statements) await knex.raw(sql);
}
