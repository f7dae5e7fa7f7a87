/**
 * Movers (issue 17): what is rising or falling right now, for every product the speed pipeline
 * sees, not only its heavy hitters.
 *
 * - `movers`: per shard of `sales.product-sums` the products scored as movers at its last write,
 *   replaced in the same transaction as the shard's speed rows and checkpoint (so a reader never
 *   sees movers from a state the checkpoint does not hold). Rates are units per hour; `spark` the
 *   per-minute units since the episode began. The dashboard's role may read it.
 * - `movers_state`: the per-product state of the shard's MoverTracker (libs/movers), one row
 *   per product, upserted only when it changed and deleted when evicted, in that same transaction:
 *   the checkpoint of a state too large (up to MOVERS_MAX_PRODUCTS per shard) to rewrite whole.
 *
 * Frozen literals: a migration is history.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE movers (
      shard                int              NOT NULL CHECK (shard >= 0),
      product_id           text             NOT NULL,
      direction            text             NOT NULL CHECK (direction IN ('up', 'down')),
      since                timestamptz      NOT NULL,
      span_minutes         double precision NOT NULL,
      orders               bigint           NOT NULL,
      units                bigint           NOT NULL,
      expected_orders      double precision NOT NULL,
      expected_units       double precision NOT NULL,
      units_per_hour       double precision NOT NULL,
      units_per_hour_low   double precision NOT NULL,
      usual_units_per_hour double precision NOT NULL,
      factor               double precision NOT NULL,
      p_value              double precision NOT NULL,
      is_new               boolean          NOT NULL,
      baseline             text             NOT NULL CHECK (baseline IN ('hour-of-week', 'recent', 'new')),
      spark                int[]            NOT NULL DEFAULT '{}',
      updated_at           timestamptz      NOT NULL DEFAULT now(),
      PRIMARY KEY (shard, product_id, direction)
    )`);
  await knex.raw('CREATE INDEX movers_direction_factor_idx ON movers (direction, factor)');
  await knex.raw(`
    CREATE TABLE movers_state (
      topic      text  NOT NULL,
      shard      int   NOT NULL CHECK (shard >= 0),
      product_id text  NOT NULL,
      state      bytea NOT NULL,
      PRIMARY KEY (topic, shard, product_id)
    )`);
  await knex.raw(`
    DO $$ BEGIN
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hitboard_reader') THEN
        GRANT SELECT ON movers TO hitboard_reader;
      END IF;
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hitboard_speed') THEN
        -- The speed pipeline writes movers with its checkpoint and reads exact history for the usual rate.
        GRANT SELECT, INSERT, UPDATE, DELETE ON movers, movers_state TO hitboard_speed;
        GRANT SELECT ON batch_table TO hitboard_speed;
      END IF;
    END $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS movers_state, movers');
}
