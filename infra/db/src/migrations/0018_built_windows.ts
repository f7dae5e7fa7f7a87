/**
 * `built_windows`: per (interval, window_start) with a succeeded run, the newest such run's id and
 * `finished_at` (its build version: a late-data rebuild publishes a new run) and whether the window is
 * marked dirty now (late data arrived; the rebuild is due or running). The dashboard (hitboard_reader)
 * tiles an analyst's date range from these windows' full rollup files in the lake, keys its cache by the
 * run ids, and says when a tile is being rebuilt — it may read this view, never `rollup_runs` itself.
 *
 * Frozen literals: a migration is history.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE VIEW built_windows AS
SELECT DISTINCT ON (r."interval", r.window_start)
       r."interval", r.window_start, r.run_id, r.finished_at AS built_at,
       EXISTS (SELECT 1 FROM rollup_dirty d WHERE d."interval" = r."interval" AND d.window_start = r.window_start) AS dirty
  FROM rollup_runs r
 WHERE r.status = 'succeeded'
 ORDER BY r."interval", r.window_start, r.run_id DESC`);
  await knex.raw('GRANT SELECT ON built_windows TO hitboard_reader');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP VIEW IF EXISTS built_windows');
}
