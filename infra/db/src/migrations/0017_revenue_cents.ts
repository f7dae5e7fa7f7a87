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
// The views as 0003 built them, over `revenue` (down) or `revenue_cents` (up).
import { servingViews } from './0003_batch_layer_and_totals';

const TABLES_WITH_REVENUE = ['batch_table', 'speed_table', 'window_totals'];

/** Renames the revenue column of every table from `from` to `to`, and rebuilds the views over it. */
const renameRevenue = (from: string, to: string) => async (knex: Knex): Promise<void> => {
  const { topView, totalsView } = servingViews(to);
  const statements = [
    `DROP VIEW top_totals`,
    `DROP VIEW top_1000`,
    ...TABLES_WITH_REVENUE.map((table) => `ALTER TABLE ${table} RENAME COLUMN ${from} TO ${to}`),
    topView,
    totalsView,
    `GRANT SELECT ON top_1000, top_totals TO hitboard_reader`,
  ];
  for (const sql of statements) await knex.raw(sql);
};

export const up = renameRevenue('revenue', 'revenue_cents');
export const down = renameRevenue('revenue_cents', 'revenue');
