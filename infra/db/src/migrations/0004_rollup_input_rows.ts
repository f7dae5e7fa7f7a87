/**
 * `rollup_runs.input_rows`: how many raw lake rows (ledger `ingest_files.rows`) an hour's run read.
 * With `input_files` it lets the batch layer find late data by counting the ledger — no comparison of
 * timestamps written on different hosts — and say how many late rows a dirty window is missing.
 * Frozen literals: a migration is history.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE rollup_runs ADD COLUMN input_rows bigint NULL CHECK (input_rows >= 0)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE rollup_runs DROP COLUMN input_rows`);
}
