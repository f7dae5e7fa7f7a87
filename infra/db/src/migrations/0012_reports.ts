/**
 * Scheduled top-10 reports (issue 17), built by apps/notifier from exact batch windows only.
 *
 * - `reports`: one row per (report name, window). `waiting` while the window's rollup is not done
 *   (`late_since`: when it was first found not ready), `built` once its CSV and SVG are in the lake
 *   (`csv_key`, `svg_key`), `delivered` once every webhook took it (or it has none), `failed` when a
 *   webhook refused it for good (`reason`). A restart finds the row and never resends; `instance` and
 *   `lease_until` keep two instances from building the same report at once.
 *
 * The notifier reads the batch layer's tables (exact windows: a succeeded run, not dirty).
 * Frozen literals: a migration is history.
 */
import type { Knex } from 'knex';

const ROLE = 'hitboard_notifier';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE reports (
      report       text        NOT NULL,
      "interval"   text        NOT NULL,
      window_start timestamptz NOT NULL,
      window_end   timestamptz NOT NULL,
      status       text        NOT NULL CHECK (status IN ('waiting', 'built', 'delivered', 'failed')),
      reason       text        NULL,
      due_at       timestamptz NOT NULL,
      late_since   timestamptz NULL,
      rows         int         NULL CHECK (rows >= 0),
      csv_key      text        NULL,
      svg_key      text        NULL,
      instance     text        NULL,
      lease_until  timestamptz NULL,
      built_at     timestamptz NULL,
      delivered_at timestamptz NULL,
      PRIMARY KEY (report, window_start)
    )`);
  await knex.raw(`CREATE INDEX reports_open_idx ON reports (status) WHERE status IN ('waiting', 'built')`);
  await knex.raw(`DO $$ BEGIN
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${ROLE}') THEN
        GRANT SELECT, INSERT, UPDATE ON reports TO ${ROLE};
        GRANT SELECT ON batch_table, rollup_runs, rollup_dirty, window_totals TO ${ROLE};
      END IF;
    END $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS reports');
  await knex.raw(`DO $$ BEGIN
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${ROLE}') THEN
        REVOKE SELECT ON batch_table, rollup_runs, rollup_dirty, window_totals FROM ${ROLE};
      END IF;
    END $$`);
}
