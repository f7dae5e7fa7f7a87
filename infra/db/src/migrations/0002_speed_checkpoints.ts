/**
 * The speed pipeline's checkpoint: per (topic, shard) — a shard is one partition of
 * `sales.product-sums` — the next offset to consume and the serialised state (sketches,
 * candidates, flush dedupe marks) that the rows of `speed_table` for that shard were computed
 * from. Written in the same transaction as those rows, so state, rows and offset move together
 * and a restart (kill -9 included) resumes with no loss and no double count.
 *
 * The state is split so a write only carries what changed: `speed_checkpoints` holds per shard the
 * offset and a small JSON header (dedupe marks, watermark, the list of open windows), and
 * `speed_checkpoint_windows` one serialised TopKSketch per open window (a window's sketch is
 * ~0.5 MB encoded at the default eps, so rewriting every window every few seconds would not do).
 * A restore reads the header and exactly the windows it lists.
 *
 * `next_offset` only grows: an upsert that would move it backwards comes from an instance that
 * lost the partition in a rebalance (a zombie) and is refused by the writer.
 */
import type { Knex } from 'knex';

// Frozen literal (TABLES.speedCheckpoints when this was written, commit dbf6f11): a migration is
// history and must not change when the code's names do.
const T = '"speed_checkpoints"';
/** One row per open window of a shard: its serialised TopKSketch. Written only when the window changed. */
const SPEED_CHECKPOINT_WINDOWS = 'speed_checkpoint_windows';
const W = `"${SPEED_CHECKPOINT_WINDOWS}"`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE ${T} (
      topic        text   NOT NULL,
      shard        int    NOT NULL CHECK (shard >= 0),
      next_offset  bigint NOT NULL CHECK (next_offset >= 0),
      state        bytea  NOT NULL,
      state_format int    NOT NULL,
      updated_at   timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (topic, shard)
    )`);
  await knex.raw(`
    CREATE TABLE ${W} (
      topic        text   NOT NULL,
      shard        int    NOT NULL,
      "interval"   text   NOT NULL,
      window_start timestamptz NOT NULL,
      state        bytea  NOT NULL,
      updated_at   timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (topic, shard, "interval", window_start)
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP TABLE IF EXISTS ${W}, ${T}`);
}
