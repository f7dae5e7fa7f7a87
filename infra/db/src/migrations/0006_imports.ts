/**
 * The import ledger: one row per imported file, keyed by the SHA-256 of its content, so importing
 * the same export twice (under any name) is recognised and skipped unless forced.
 *
 * `next_row` is the resume point: every valid row before it has been produced to Kafka and
 * acknowledged. It moves forward only after an acknowledged batch, so a crash re-sends at most the
 * one batch in flight, whose events the aggregator drops by event_id (see tools/import/README.md).
 * An advisory lock per file (taken by the importer) keeps two imports of one file apart.
 *
 * Frozen literals: a migration is history.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE imports (
      content_sha256 text        PRIMARY KEY CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
      file_name      text        NOT NULL,
      format         text        NOT NULL CHECK (format IN ('csv', 'ndjson', 'parquet')),
      topic          text        NOT NULL,
      status         text        NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
      next_row       bigint      NOT NULL DEFAULT 0 CHECK (next_row >= 0),
      rows_read      bigint      NOT NULL DEFAULT 0,
      rows_sent      bigint      NOT NULL DEFAULT 0,
      rows_rejected  bigint      NOT NULL DEFAULT 0,
      units          bigint      NOT NULL DEFAULT 0,
      revenue_cents  bigint      NOT NULL DEFAULT 0,
      first_event_at timestamptz,
      last_event_at  timestamptz,
      attempts       int         NOT NULL DEFAULT 1,
      forced         int         NOT NULL DEFAULT 0,
      started_at     timestamptz NOT NULL DEFAULT now(),
      updated_at     timestamptz NOT NULL DEFAULT now(),
      finished_at    timestamptz,
      error          text
    )`);
  await knex.raw('CREATE INDEX imports_started_at ON imports (started_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS imports');
}
