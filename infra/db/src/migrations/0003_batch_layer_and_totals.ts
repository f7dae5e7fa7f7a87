/**
 * The batch layer's tables and what the dashboard reads besides the top lists.
 *
 * - `rollup_runs` gains why a run ran (`reason`) and how many lake files it read (`input_files`).
 * - `rollup_dirty`: windows whose rollup is stale because late data arrived for them (late files
 *   and rows counted); a rebuild clears the mark in the transaction that publishes it.
 * - `batch_table` gains the product's category and its rank within that category per metric, so
 *   a window's per-category top is exact and read through an index, never by scanning.
 * - `window_totals`: each window's totals (units, revenue cents, orders, distinct products). The
 *   batch layer writes one row per window (`source` 'batch', `shard` -1: every shard); the speed
 *   pipeline writes one row per shard it owns (`source` 'speed'), since shards are written by
 *   different instances. The view `top_totals` serves one row per window: batch where the
 *   window has a succeeded run, else the speed shards summed (shards are disjoint by product).
 * - `top_1000` is rebuilt with `category` and `category_rank` (rank within the category).
 *
 * Frozen literals throughout: a migration is history, and must not follow later renames.
 */
import type { Knex } from 'knex';
// `down` restores the serving view exactly as 0001 made it.
import { topView as previousTopView } from './0001_core';

const hasSucceededRun = (alias: string) =>
  `EXISTS (SELECT 1 FROM rollup_runs ok
            WHERE ok."interval" = ${alias}."interval" AND ok.window_start = ${alias}.window_start AND ok.status = 'succeeded')`;

/**
 * The serving views over tables whose revenue column is `amount`: 'revenue' here, 'revenue_cents'
 * from 0017, which renamed the column and rebuilt the views with this same text.
 */
export function servingViews(amount: string): { topView: string; totalsView: string } {
  const batchBranch = (metric: string, rank: string, categoryRank: string) => `
SELECT b."interval", b.window_start, '${metric}'::text AS metric, b.${rank} AS rank, b.product_id, b.units, b.${amount},
       'batch'::text AS source, 0::bigint AS error_bound, r.finished_at AS as_of, b.category, b.${categoryRank} AS category_rank
  FROM batch_table b
  JOIN rollup_runs r ON r.run_id = b.run_id AND r.status = 'succeeded'
 WHERE (b.${rank} <= 1000 OR b.${categoryRank} <= 1000)`;

  const speedByProduct = `
SELECT s."interval", s.window_start, s.product_id, coalesce(min(p.category), '') AS category,
       sum(s.units)::bigint               AS units,
       sum(s.${amount})::bigint AS ${amount},
       sum(s.error_bound)::bigint         AS error_bound,
       sum(s.revenue_error_bound)::bigint AS revenue_error_bound,
       max(s.updated_at)                  AS as_of
  FROM speed_table s
  LEFT JOIN products p ON p.product_id = s.product_id
 WHERE NOT ${hasSucceededRun('s')}
 GROUP BY s."interval", s.window_start, s.product_id`;

  const speedBranch = (metric: string, value: string, bound: string) => `
SELECT k."interval", k.window_start, '${metric}'::text AS metric, k.rank::int AS rank, k.product_id, k.units, k.${amount},
       'speed'::text AS source, k.${bound} AS error_bound, k.as_of, k.category, k.category_rank::int AS category_rank
  FROM (SELECT p.*,
               row_number() OVER (PARTITION BY p."interval", p.window_start
                                  ORDER BY p.${value} DESC, p.product_id COLLATE "C") AS rank,
               row_number() OVER (PARTITION BY p."interval", p.window_start, p.category
                                  ORDER BY p.${value} DESC, p.product_id COLLATE "C") AS category_rank
          FROM (${speedByProduct}) p) k
 WHERE (k.rank <= 1000 OR k.category_rank <= 1000)`;

  const topView = `CREATE VIEW top_1000 AS
${[
  batchBranch('units', 'rank_units', 'category_rank_units'),
  batchBranch('revenue', 'rank_revenue', 'category_rank_revenue'),
  speedBranch('units', 'units', 'error_bound'),
  speedBranch('revenue', amount, 'revenue_error_bound'),
].join('\nUNION ALL')}`;

  const totalsView = `CREATE VIEW top_totals AS
SELECT t."interval", t.window_start, 'batch'::text AS source, t.units, t.${amount}, t.orders, t.products, t.as_of
  FROM window_totals t
 WHERE t.source = 'batch' AND ${hasSucceededRun('t')}
UNION ALL
SELECT t."interval", t.window_start, 'speed'::text AS source,
       sum(t.units)::bigint, sum(t.${amount})::bigint, sum(t.orders)::bigint, sum(t.products)::bigint, max(t.as_of)
  FROM window_totals t
 WHERE t.source = 'speed' AND NOT ${hasSucceededRun('t')}
 GROUP BY t."interval", t.window_start`;

  return { topView, totalsView };
}

export const { topView, totalsView } = servingViews('revenue');

export async function up(knex: Knex): Promise<void> {
  const statements = [
    `ALTER TABLE rollup_runs
       ADD COLUMN reason text NOT NULL DEFAULT 'scheduled' CHECK (reason IN ('scheduled', 'late-data', 'backfill', 'forced')),
       ADD COLUMN input_files int NULL CHECK (input_files >= 0)`,
    // The latest run of a window, and what is running, without scanning history.
    `CREATE INDEX rollup_runs_window_latest_idx ON rollup_runs ("interval", window_start, run_id DESC)`,
    `CREATE INDEX rollup_runs_running_idx ON rollup_runs (status) WHERE status = 'running'`,

    `CREATE TABLE rollup_dirty (
       "interval"   text NOT NULL,
       window_start timestamptz NOT NULL,
       late_files   int    NOT NULL DEFAULT 0 CHECK (late_files >= 0),
       late_rows    bigint NOT NULL DEFAULT 0 CHECK (late_rows >= 0),
       marked_at    timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY ("interval", window_start)
     )`,

    `ALTER TABLE batch_table
       ADD COLUMN category text NOT NULL DEFAULT '',
       ADD COLUMN category_rank_units int NULL CHECK (category_rank_units >= 1),
       ADD COLUMN category_rank_revenue int NULL CHECK (category_rank_revenue >= 1)`,
    `CREATE INDEX batch_table_category_units_idx ON batch_table ("interval", window_start, category, category_rank_units)`,
    `CREATE INDEX batch_table_category_revenue_idx ON batch_table ("interval", window_start, category, category_rank_revenue)`,

    `CREATE TABLE window_totals (
       "interval"   text NOT NULL,
       window_start timestamptz NOT NULL,
       source       text NOT NULL CHECK (source IN ('batch', 'speed')),
       shard        int  NOT NULL,
       units        bigint NOT NULL,
       revenue      bigint NOT NULL,
       orders       bigint NULL,
       products     bigint NULL,
       as_of        timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY ("interval", window_start, source, shard),
       CHECK ((source = 'batch') = (shard = -1))
     )`,

    `DROP VIEW top_1000`,
    topView,
    totalsView,
    `GRANT SELECT ON top_1000, top_totals TO hitboard_reader`,
  ];
  for (const sql of statements) await knex.raw(sql);
}

export async function down(knex: Knex): Promise<void> {
  const statements = [
    `DROP VIEW IF EXISTS top_totals`,
    `DROP VIEW IF EXISTS top_1000`,
    previousTopView,
    `GRANT SELECT ON top_1000 TO hitboard_reader`,
    `DROP TABLE IF EXISTS window_totals, rollup_dirty`,
    `DROP INDEX IF EXISTS batch_table_category_units_idx, batch_table_category_revenue_idx, rollup_runs_window_latest_idx, rollup_runs_running_idx`,
    `ALTER TABLE batch_table DROP COLUMN category, DROP COLUMN category_rank_units, DROP COLUMN category_rank_revenue`,
    `ALTER TABLE rollup_runs DROP COLUMN reason, DROP COLUMN input_files`,
  ];
  for (const sql of statements) await knex.raw(sql);
}
