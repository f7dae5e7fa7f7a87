/**
 * Revenue is `revenue_cents` everywhere: the lake, the CSV and the import ledger already said so
 * (and TypeScript `revenueCents`); the Postgres tables and the serving views said `revenue`.
 *
 * - `batch_table.revenue`, `speed_table.revenue`, `window_totals.revenue` → `revenue_cents`;
 * - `top_1000` and `top_totals` are rebuilt selecting it, as 0003 built them otherwise, and the
 *   reader's SELECT on them granted again (a dropped view takes its grants with it).
 *
 * What stays: the metric is still named 'revenue' (`top_1000.metric`, `rank_revenue`,
 * `category_rank_revenue`, the index names) — a metric, not an amount; and `revenue_error_bound`
 * (the ± on that metric, cents as every amount is). Row-level security on `window_totals` and the
 * change triggers of 0014 name no revenue column; the apps' table grants follow a renamed column.
 *
 * Frozen literals throughout: a migration is history, and must not follow later renames.
 */
import type { Knex } from 'knex';
// `down` restores the serving views exactly as 0003 made them.
import { topView as previousTopView, totalsView as previousTotalsView } from './0003_batch_layer_and_totals';

const TABLES_WITH_REVENUE = ['batch_table', 'speed_table', 'window_totals'];

const hasSucceededRun = (alias: string) =>
  `EXISTS (SELECT 1 FROM rollup_runs ok
            WHERE ok."interval" = ${alias}."interval" AND ok.window_start = ${alias}.window_start AND ok.status = 'succeeded')`;

const batchBranch = (metric: string, rank: string, categoryRank: string) => `
SELECT b."interval", b.window_start, '${metric}'::text AS metric, b.${rank} AS rank, b.product_id, b.units, b.revenue_cents,
       'batch'::text AS source, 0::bigint AS error_bound, r.finished_at AS as_of, b.category, b.${categoryRank} AS category_rank
  FROM batch_table b
  JOIN rollup_runs r ON r.run_id = b.run_id AND r.status = 'succeeded'
 WHERE (b.${rank} <= 1000 OR b.${categoryRank} <= 1000)`;

const speedByProduct = `
SELECT s."interval", s.window_start, s.product_id, coalesce(min(p.category), '') AS category,
       sum(s.units)::bigint               AS units,
       sum(s.revenue_cents)::bigint       AS revenue_cents,
       sum(s.error_bound)::bigint         AS error_bound,
       sum(s.revenue_error_bound)::bigint AS revenue_error_bound,
       max(s.updated_at)                  AS as_of
  FROM speed_table s
  LEFT JOIN products p ON p.product_id = s.product_id
 WHERE NOT ${hasSucceededRun('s')}
 GROUP BY s."interval", s.window_start, s.product_id`;

const speedBranch = (metric: string, value: string, bound: string) => `
SELECT k."interval", k.window_start, '${metric}'::text AS metric, k.rank::int AS rank, k.product_id, k.units, k.revenue_cents,
       'speed'::text AS source, k.${bound} AS error_bound, k.as_of, k.category, k.category_rank::int AS category_rank
  FROM (SELECT p.*,
               row_number() OVER (PARTITION BY p."interval", p.window_start
                                  ORDER BY p.${value} DESC, p.product_id COLLATE "C") AS rank,
               row_number() OVER (PARTITION BY p."interval", p.window_start, p.category
                                  ORDER BY p.${value} DESC, p.product_id COLLATE "C") AS category_rank
          FROM (${speedByProduct}) p) k
 WHERE (k.rank <= 1000 OR k.category_rank <= 1000)`;

export const topView = `CREATE VIEW top_1000 AS
${[
  batchBranch('units', 'rank_units', 'category_rank_units'),
  batchBranch('revenue', 'rank_revenue', 'category_rank_revenue'),
  speedBranch('units', 'units', 'error_bound'),
  speedBranch('revenue', 'revenue_cents', 'revenue_error_bound'),
].join('\nUNION ALL')}`;

export const totalsView = `CREATE VIEW top_totals AS
SELECT t."interval", t.window_start, 'batch'::text AS source, t.units, t.revenue_cents, t.orders, t.products, t.as_of
  FROM window_totals t
 WHERE t.source = 'batch' AND ${hasSucceededRun('t')}
UNION ALL
SELECT t."interval", t.window_start, 'speed'::text AS source,
       sum(t.units)::bigint, sum(t.revenue_cents)::bigint, sum(t.orders)::bigint, sum(t.products)::bigint, max(t.as_of)
  FROM window_totals t
 WHERE t.source = 'speed' AND NOT ${hasSucceededRun('t')}
 GROUP BY t."interval", t.window_start`;

const rename = (from: string, to: string) => TABLES_WITH_REVENUE.map((table) => `ALTER TABLE ${table} RENAME COLUMN ${from} TO ${to}`);

export async function up(knex: Knex): Promise<void> {
  const statements = [
    `DROP VIEW top_totals`,
    `DROP VIEW top_1000`,
    ...rename('revenue', 'revenue_cents'),
    topView,
    totalsView,
    `GRANT SELECT ON top_1000, top_totals TO hitboard_reader`,
  ];
  for (const sql of statements) await knex.raw(sql);
}

export async function down(knex: Knex): Promise<void> {
  const statements = [
    `DROP VIEW top_totals`,
    `DROP VIEW top_1000`,
    ...rename('revenue_cents', 'revenue'),
    previousTopView,
    previousTotalsView,
    `GRANT SELECT ON top_1000, top_totals TO hitboard_reader`,
  ];
  for (const sql of statements) await knex.raw(sql);
}
