/**
 * The deployment's settings that every machine must agree on (topic names, reporting time zone,
 * allowed lateness; see DEPLOYMENT_SETTINGS in libs/runtime). The first app that runs records its
 * values; an app started later with another value refuses to work, naming the setting. Changing one
 * on purpose: stop every app, update the row (and whatever the old value built), start them again.
 *
 * Frozen literals: a migration is history.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE deployment_settings (
      name        text        PRIMARY KEY,
      value       text        NOT NULL,
      recorded_by text        NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now()
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS deployment_settings');
}
