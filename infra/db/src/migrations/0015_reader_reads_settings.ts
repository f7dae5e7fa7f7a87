/**
 * The dashboard (hitboard_reader) may read `deployment_settings`: it draws windows in REPORTING_TIME_ZONE,
 * and a dashboard whose zone differs from the one the rollups were built in would label every day,
 * week and month wrongly. It compares its zone at /healthz and fails loudly, as the other apps do
 * at start-up (it never records: only the apps that write to the ledger fix the settings).
 *
 * Frozen literals: a migration is history.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('GRANT SELECT ON deployment_settings TO hitboard_reader');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('REVOKE SELECT ON deployment_settings FROM hitboard_reader');
}
