/**
 * Alerts on movers (issue 17), sent by apps/notifier as its own role `hitboard_notifier`.
 *
 * - `mover_episodes`: every episode (product, direction, since) the notifier has seen in `movers`, with
 *   its peak factor and figures; rules or not. The scheduled reports list "the period's movers" from it
 *   (the `movers` table only holds the current ones).
 * - `alerts`: one row per (rule, product, episode, webhook). The unique key makes an episode's claim
 *   happen once across restarts and instances; the cooldown (at most one alert per rule and product per
 *   cooldown) is checked in the claiming transaction under a per-(rule, product) advisory lock, so two
 *   instances cannot both pass it. `status`: pending (claimed, being delivered by `instance` until
 *   `lease_until`), sent, failed (retries exhausted or refused; `reason`), suppressed (cooldown; `reason`).
 *
 * Frozen literals: a migration is history.
 */
import type { Knex } from 'knex';

const ROLE = 'hitboard_notifier';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE mover_episodes (
      product_id    text             NOT NULL,
      direction     text             NOT NULL CHECK (direction IN ('up', 'down')),
      since         timestamptz      NOT NULL,
      first_seen_at timestamptz      NOT NULL DEFAULT now(),
      last_seen_at  timestamptz      NOT NULL DEFAULT now(),
      peak_factor   double precision NOT NULL,
      units         bigint           NOT NULL,
      orders        bigint           NOT NULL,
      is_new        boolean          NOT NULL,
      PRIMARY KEY (product_id, direction, since)
    )`);
  await knex.raw('CREATE INDEX mover_episodes_since_idx ON mover_episodes (since)');
  await knex.raw(`
    CREATE TABLE alerts (
      alert_id        bigserial        PRIMARY KEY,
      rule            text             NOT NULL,
      webhook         text             NOT NULL,
      product_id      text             NOT NULL,
      direction       text             NOT NULL CHECK (direction IN ('up', 'down')),
      since           timestamptz      NOT NULL,
      status          text             NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'suppressed')),
      reason          text             NULL,
      attempts        int              NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      http_status     int              NULL,
      factor          double precision NOT NULL,
      units_per_hour  double precision NOT NULL,
      usual_units_per_hour double precision NOT NULL,
      units           bigint           NOT NULL,
      orders          bigint           NOT NULL,
      is_new          boolean          NOT NULL,
      instance        text             NOT NULL,
      lease_until     timestamptz      NULL,
      claimed_at      timestamptz      NOT NULL DEFAULT now(),
      finished_at     timestamptz      NULL,
      UNIQUE (rule, product_id, direction, since, webhook)
    )`);
  await knex.raw('CREATE INDEX alerts_cooldown_idx ON alerts (rule, product_id, claimed_at) WHERE status <> \'suppressed\'');
  await knex.raw('CREATE INDEX alerts_pending_idx ON alerts (lease_until) WHERE status = \'pending\'');
  await knex.raw(`DO $$
   BEGIN
     IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${ROLE}') THEN
       BEGIN
         CREATE ROLE ${ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
       EXCEPTION WHEN duplicate_object OR unique_violation THEN
         NULL; -- created meanwhile by a migration of another database in this cluster
       END;
     END IF;
   END
   $$`);
  await knex.raw(`DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO ${ROLE}', current_database()); END $$`);
  await knex.raw(`GRANT USAGE ON SCHEMA public TO ${ROLE}`);
  await knex.raw(`GRANT SELECT, INSERT, UPDATE ON alerts, mover_episodes TO ${ROLE}`);
  await knex.raw(`GRANT USAGE, SELECT ON SEQUENCE alerts_alert_id_seq TO ${ROLE}`);
  await knex.raw(`GRANT SELECT ON movers, products TO ${ROLE}`);
  // The deployment settings (0008): the first app to start records them, every app reads them.
  await knex.raw(`GRANT SELECT, INSERT ON deployment_settings TO ${ROLE}`);
}

/** Drops the tables and revokes what this migration granted in this database; the role is cluster-wide and kept. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS alerts, mover_episodes');
  await knex.raw(`DO $$
    BEGIN
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${ROLE}') THEN
        REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${ROLE};
        REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${ROLE};
        REVOKE USAGE ON SCHEMA public FROM ${ROLE};
        EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM ${ROLE}', current_database());
      END IF;
    END
    $$`);
}
