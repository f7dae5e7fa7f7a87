/**
 * One least-privilege role per app, so an app reachable from other machines can touch only its own
 * tables (issue 16). The dashboard keeps `hitboard_reader` (0001: the serving views and products).
 *
 * - hitboard_aggregator: the ingest ledger (ingest_offsets, ingest_flushes, ingest_files), read/write.
 * - hitboard_speed: speed_table, speed_checkpoints, speed_checkpoint_windows and window_totals (its
 *   per-shard speed rows), read/write; rollup_runs read (which windows the batch layer covers).
 * - hitboard_batch: batch_table, rollup_runs (+ its id sequence), rollup_dirty, window_totals,
 *   read/write; the ledger's ingest_files and ingest_offsets and the products catalog, read; speed_table
 *   read and delete (a published window deletes the speed rows it covers).
 *
 * Roles are cluster-wide and tests migrate many databases at once: creation is idempotent and tolerates
 * a concurrent twin, and no password is set here (ops set one: `ALTER ROLE … PASSWORD`, or the db CLI's
 * HITBOARD_<ROLE>_PASSWORD variables). Grants are per table: a table added later is nobody's until its
 * migration grants it. Frozen literals: a migration is history.
 */
import type { Knex } from 'knex';

const ROLES = ['hitboard_aggregator', 'hitboard_speed', 'hitboard_batch'];

const createRole = (role: string) => `DO $$
   BEGIN
     IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN
       BEGIN
         CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
       EXCEPTION WHEN duplicate_object OR unique_violation THEN
         NULL; -- created meanwhile by a migration of another database in this cluster
       END;
     END IF;
   END
   $$`;

const grants = [
  `GRANT SELECT, INSERT, UPDATE, DELETE ON ingest_offsets, ingest_flushes, ingest_files TO hitboard_aggregator`,

  `GRANT SELECT, INSERT, UPDATE, DELETE ON speed_table, speed_checkpoints, speed_checkpoint_windows, window_totals TO hitboard_speed`,
  `GRANT SELECT ON rollup_runs TO hitboard_speed`,

  `GRANT SELECT, INSERT, UPDATE, DELETE ON batch_table, rollup_runs, rollup_dirty, window_totals TO hitboard_batch`,
  `GRANT USAGE, SELECT ON SEQUENCE rollup_runs_run_id_seq TO hitboard_batch`,
  `GRANT SELECT ON ingest_files, ingest_flushes, ingest_offsets, products TO hitboard_batch`, // ingest_flushes: which topic a file belongs to
  // The deployment settings (0008): the first app to start records them, every app reads them.
  `GRANT SELECT, INSERT ON deployment_settings TO hitboard_aggregator, hitboard_speed, hitboard_batch`,
  `GRANT SELECT, DELETE ON speed_table TO hitboard_batch`,
];

export async function up(knex: Knex): Promise<void> {
  for (const role of ROLES) {
    await knex.raw(createRole(role));
    await knex.raw(`DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO ${role}', current_database()); END $$`);
    await knex.raw(`GRANT USAGE ON SCHEMA public TO ${role}`);
  }
  for (const sql of grants) await knex.raw(sql);
}

/** Revokes what this migration granted in this database; the roles are cluster-wide and are kept. */
export async function down(knex: Knex): Promise<void> {
  for (const role of ROLES) {
    await knex.raw(`DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN
          REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${role};
          REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${role};
          REVOKE USAGE ON SCHEMA public FROM ${role};
          EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM ${role}', current_database());
        END IF;
      END
      $$`);
  }
}
