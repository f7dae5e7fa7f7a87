/**
 * Issue 15: the serving tables cost what their readers need, and say when they change.
 *
 * 1. `batch_table` loses three secondary indexes no query needs (measured: they were most of an hourly
 *    rollup's publish; see BENCHMARKS.md "Serving rows"):
 *    - `batch_table_run_idx (run_id)`: no query looks rows up by run; the view joins batch rows to
 *      `rollup_runs` through rollup_runs' primary key. It would only serve the foreign key's check on
 *      deleting a run, and runs are never deleted.
 *    - `batch_table_category_units_idx`, `batch_table_category_revenue_idx`: a per-category top reads one
 *      window, which the primary key (`interval`, `window_start`, …) already narrows to that window's
 *      stored rows (≤ TOP_N_STORED per category and metric); filtering those by category costs a few ms
 *      on a 5,000-product month, and the dashboard caches the answer until the window changes.
 *    Kept: the primary key (every window read, the publish's delete) and `batch_table_product_idx`
 *    (a product's trend across windows, and the movers' history read).
 * 2. Statement-level triggers NOTIFY `hitboard_serving_changes` with `interval|windowStartMs` for each
 *    window a statement touched in `batch_table`, `speed_table`, `window_totals` or `rollup_runs`, and
 *    `*` for any change to `products`. NOTIFY is transactional: the dashboard hears of a batch publish
 *    or a speed write when it commits, never before, and Postgres sends one notification per distinct
 *    payload per transaction. Triggers rather than calls in each writer: no writer (batch publish,
 *    speed store, import, a manual fix) can forget to announce a change.
 *
 * Frozen literals: a migration is history.
 */
import type { Knex } from 'knex';

const WINDOW_TABLES = ['batch_table', 'speed_table', 'window_totals', 'rollup_runs'];

export async function up(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS batch_table_run_idx');
  await knex.raw('DROP INDEX IF EXISTS batch_table_category_units_idx');
  await knex.raw('DROP INDEX IF EXISTS batch_table_category_revenue_idx');

  await knex.raw(`
    CREATE FUNCTION hitboard_notify_window_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('hitboard_serving_changes', w)
         FROM (SELECT DISTINCT c."interval" || '|' || (extract(epoch FROM c.window_start) * 1000)::bigint AS w FROM changed c) d;
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE FUNCTION hitboard_notify_catalog_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('hitboard_serving_changes', '*');
      RETURN NULL;
    END $$`);
  for (const table of WINDOW_TABLES) {
    // One trigger per event: a transition table belongs to one event (NEW rows for INSERT and UPDATE, OLD for DELETE).
    await knex.raw(`CREATE TRIGGER ${table}_notify_insert AFTER INSERT ON ${table} REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION hitboard_notify_window_change()`);
    await knex.raw(`CREATE TRIGGER ${table}_notify_update AFTER UPDATE ON ${table} REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION hitboard_notify_window_change()`);
    await knex.raw(`CREATE TRIGGER ${table}_notify_delete AFTER DELETE ON ${table} REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION hitboard_notify_window_change()`);
  }
  await knex.raw(`CREATE TRIGGER products_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON products FOR EACH STATEMENT EXECUTE FUNCTION hitboard_notify_catalog_change()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS products_notify ON products');
  for (const table of WINDOW_TABLES) {
    for (const event of ['insert', 'update', 'delete']) await knex.raw(`DROP TRIGGER IF EXISTS ${table}_notify_${event} ON ${table}`);
  }
  await knex.raw('DROP FUNCTION IF EXISTS hitboard_notify_catalog_change()');
  await knex.raw('DROP FUNCTION IF EXISTS hitboard_notify_window_change()');
  await knex.raw('CREATE INDEX batch_table_run_idx ON batch_table (run_id)');
  await knex.raw('CREATE INDEX batch_table_category_units_idx ON batch_table ("interval", window_start, category, category_rank_units)');
  await knex.raw('CREATE INDEX batch_table_category_revenue_idx ON batch_table ("interval", window_start, category, category_rank_revenue)');
}
