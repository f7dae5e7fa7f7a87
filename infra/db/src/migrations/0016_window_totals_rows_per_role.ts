/**
 * `window_totals` holds both layers' totals (source 'batch': exact, 'speed': estimates), and both roles had
 * every write on the whole table: the speed pipeline could rewrite an exact total
 * (`UPDATE window_totals SET units = 1 WHERE source = 'batch'` succeeded as hitboard_speed). Row-level
 * security now gives each role its own rows only:
 * - hitboard_speed inserts, updates and deletes rows with source 'speed';
 * - hitboard_batch inserts and updates rows with source 'batch', and deletes any row (a rolled-up window
 *   retires the speed totals it now covers, in the same transaction as its own);
 * - every role that may SELECT the table still reads every row (the dashboard's views run as their owner).
 * The owner (migrations, npm start's setup) is not subject to these policies.
 *
 * Frozen literals: a migration is history.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  for (const statement of [
    'ALTER TABLE window_totals ENABLE ROW LEVEL SECURITY',
    'CREATE POLICY window_totals_read ON window_totals FOR SELECT USING (true)',
    `CREATE POLICY window_totals_speed_insert ON window_totals FOR INSERT TO hitboard_speed WITH CHECK (source = 'speed')`,
    `CREATE POLICY window_totals_speed_update ON window_totals FOR UPDATE TO hitboard_speed USING (source = 'speed') WITH CHECK (source = 'speed')`,
    `CREATE POLICY window_totals_speed_delete ON window_totals FOR DELETE TO hitboard_speed USING (source = 'speed')`,
    `CREATE POLICY window_totals_batch_insert ON window_totals FOR INSERT TO hitboard_batch WITH CHECK (source = 'batch')`,
    `CREATE POLICY window_totals_batch_update ON window_totals FOR UPDATE TO hitboard_batch USING (source = 'batch') WITH CHECK (source = 'batch')`,
    'CREATE POLICY window_totals_batch_delete ON window_totals FOR DELETE TO hitboard_batch USING (true)',
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const policy of ['read', 'speed_insert', 'speed_update', 'speed_delete', 'batch_insert', 'batch_update', 'batch_delete']) {
    await knex.raw(`DROP POLICY IF EXISTS window_totals_${policy} ON window_totals`);
  }
  await knex.raw('ALTER TABLE window_totals DISABLE ROW LEVEL SECURITY');
}
