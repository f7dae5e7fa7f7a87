/**
 * The core schema: catalog, ingest ledger, speed and batch tables, rollup runs, the serving view
 * `top_1000` and the read-only role the dashboard connects as.
 *
 * Types: every amount is `bigint` cents, every time `timestamptz`, every window is
 * (`interval` text, `window_start` timestamptz). `interval` holds an interval registry name
 * ('hour', 'day', …) and is deliberately not CHECK-constrained: adding an interval is one
 * registry entry, not a migration.
 */
import type { Knex } from 'knex';

/*
 * Frozen literals: a migration is history and must build what it built when it was written
 * (commit d3c5c02), whatever `@hitboard/schema`'s TABLES, VIEWS, READ_ONLY_ROLE and TOP_N_STORED
 * say later. These are their values then.
 */
type Metric = 'units' | 'revenue';
const READ_ONLY_ROLE = 'hitboard_reader';
const TOP_N_STORED = 1000;

const q = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;

const T = {
  products: q('products'),
  ingestOffsets: q('ingest_offsets'),
  ingestFlushes: q('ingest_flushes'),
  ingestFiles: q('ingest_files'),
  speed: q('speed_table'),
  batch: q('batch_table'),
  runs: q('rollup_runs'),
  top: q('top_1000'),
  reader: q(READ_ONLY_ROLE),
};

const tables = [
  `CREATE TABLE ${T.products} (
     product_id text PRIMARY KEY,
     name       text NOT NULL,
     category   text NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE INDEX products_category_idx ON ${T.products} (category)`,

  // Ledger: the next offset to consume per source partition is the truth; Kafka's commit is a hint.
  `CREATE TABLE ${T.ingestOffsets} (
     topic       text   NOT NULL,
     partition   int    NOT NULL,
     next_offset bigint NOT NULL CHECK (next_offset >= 0),
     watermark   timestamptz NULL,
     updated_at  timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (topic, partition)
   )`,
  // One row per flush: written 'intended' before anything is published, 'committed' once its files are listed.
  `CREATE TABLE ${T.ingestFlushes} (
     flush_id     text   PRIMARY KEY,
     topic        text   NOT NULL,
     partition    int    NOT NULL,
     first_offset bigint NOT NULL,
     last_offset  bigint NOT NULL,
     status       text   NOT NULL CHECK (status IN ('intended', 'committed')),
     created_at   timestamptz NOT NULL DEFAULT now(),
     committed_at timestamptz NULL,
     CHECK (first_offset <= last_offset)
   )`,
  `CREATE INDEX ingest_flushes_partition_status_idx ON ${T.ingestFlushes} (topic, partition, status)`,
  // The Parquet files of committed flushes; the batch layer reads nothing that is not listed here.
  `CREATE TABLE ${T.ingestFiles} (
     path         text   PRIMARY KEY,
     flush_id     text   NOT NULL REFERENCES ${T.ingestFlushes} (flush_id),
     partition    int    NOT NULL,
     first_offset bigint NOT NULL,
     last_offset  bigint NOT NULL,
     hour         timestamptz NOT NULL, -- the UTC hour (lake partition) the file's rows belong to
     rows         int    NOT NULL CHECK (rows >= 0),
     created_at   timestamptz NOT NULL DEFAULT now(),
     CHECK (first_offset <= last_offset)
   )`,
  `CREATE INDEX ingest_files_hour_idx ON ${T.ingestFiles} (hour)`,
  `CREATE INDEX ingest_files_flush_idx ON ${T.ingestFiles} (flush_id)`,

  // Live estimates, one row per (window, shard, product). The primary key's (interval, window_start)
  // prefix already serves window lookups, so there is no separate (interval, window_start) index.
  `CREATE TABLE ${T.speed} (
     "interval"          text   NOT NULL,
     window_start        timestamptz NOT NULL,
     shard               int    NOT NULL,
     product_id          text   NOT NULL,
     units               bigint NOT NULL,
     revenue             bigint NOT NULL,
     error_bound         bigint NOT NULL DEFAULT 0 CHECK (error_bound >= 0),         -- ± on units
     revenue_error_bound bigint NOT NULL DEFAULT 0 CHECK (revenue_error_bound >= 0), -- ± on revenue, cents
     updated_at          timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY ("interval", window_start, shard, product_id)
   )`,

  `CREATE TABLE ${T.runs} (
     run_id       bigserial PRIMARY KEY,
     "interval"   text NOT NULL,
     window_start timestamptz NOT NULL,
     status       text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
     started_at   timestamptz NOT NULL DEFAULT now(),
     finished_at  timestamptz NULL,
     rows         int NULL,
     dirty        boolean NOT NULL DEFAULT false,
     error        text NULL
   )`,
  `CREATE INDEX rollup_runs_window_status_idx ON ${T.runs} ("interval", window_start, status)`,

  // Exact rollups: the top TOP_N_STORED by units and by revenue of each window. A row kept for one
  // metric may rank beyond TOP_N_STORED (or be unranked, NULL) on the other.
  `CREATE TABLE ${T.batch} (
     "interval"   text   NOT NULL,
     window_start timestamptz NOT NULL,
     product_id   text   NOT NULL,
     units        bigint NOT NULL,
     revenue      bigint NOT NULL,
     orders       bigint NOT NULL,
     rank_units   int    NULL CHECK (rank_units >= 1),
     rank_revenue int    NULL CHECK (rank_revenue >= 1),
     run_id       bigint NOT NULL REFERENCES ${T.runs} (run_id),
     PRIMARY KEY ("interval", window_start, product_id)
   )`,
  // A product's trend across windows (the dashboard's chart) without scanning every window.
  `CREATE INDEX batch_table_product_idx ON ${T.batch} (product_id, "interval", window_start)`,
  `CREATE INDEX batch_table_run_idx ON ${T.batch} (run_id)`,
];

/**
 * The serving view. Per window (interval, window_start):
 * - if the window has a succeeded rollup run, its `batch_table` rows: exact, `error_bound` 0,
 *   ranks as stored, `as_of` = `finished_at` of the run that wrote the row;
 * - otherwise its `speed_table` rows, summed per product across shards (shards are disjoint by
 *   product; summing is the defensive merge, and bounds add), ranked per metric by value desc then
 *   product_id asc in byte order (COLLATE "C", so ties rank the same on every server and as DuckDB
 *   sorts), `error_bound` = the metric's bound, `as_of` = the newest `updated_at` of the product's rows.
 * One row per (window, metric, product) with rank ≤ TOP_N_STORED; metric is 'units' or 'revenue'.
 *
 * Built as four UNION ALL branches, one per (layer, metric), with the metric a constant: a query
 * filtered on metric skips the other metric's branches entirely, and filters on
 * ("interval", window_start) are pushed into every branch (they are the window functions' partition
 * keys), so a dashboard query reads one window through the primary keys. Speed windows are ranked
 * with row_number(), whose `rank <= N` Postgres uses to stop early. sum(bigint) is numeric in
 * Postgres, hence the ::bigint casts.
 */
const hasSucceededRun = (alias: string) =>
  `EXISTS (SELECT 1 FROM ${T.runs} ok
            WHERE ok."interval" = ${alias}."interval" AND ok.window_start = ${alias}.window_start AND ok.status = 'succeeded')`;

const batchBranch = (metric: Metric, rankColumn: 'rank_units' | 'rank_revenue') => `
SELECT b."interval", b.window_start, '${metric}'::text AS metric, b.${rankColumn} AS rank, b.product_id, b.units, b.revenue,
       'batch'::text AS source, 0::bigint AS error_bound, r.finished_at AS as_of
  FROM ${T.batch} b
  JOIN ${T.runs} r ON r.run_id = b.run_id
 WHERE b.${rankColumn} <= ${TOP_N_STORED}
   AND ${hasSucceededRun('b')}`;

const speedByProduct = `
SELECT s."interval", s.window_start, s.product_id,
       sum(s.units)::bigint               AS units,
       sum(s.revenue)::bigint             AS revenue,
       sum(s.error_bound)::bigint         AS error_bound,
       sum(s.revenue_error_bound)::bigint AS revenue_error_bound,
       max(s.updated_at)                  AS as_of
  FROM ${T.speed} s
 WHERE NOT ${hasSucceededRun('s')}
 GROUP BY s."interval", s.window_start, s.product_id`;

const speedBranch = (metric: Metric, valueColumn: 'units' | 'revenue', boundColumn: 'error_bound' | 'revenue_error_bound') => `
SELECT k."interval", k.window_start, '${metric}'::text AS metric, k.rank::int AS rank, k.product_id, k.units, k.revenue,
       'speed'::text AS source, k.${boundColumn} AS error_bound, k.as_of
  FROM (SELECT p.*,
               row_number() OVER (PARTITION BY p."interval", p.window_start
                                  ORDER BY p.${valueColumn} DESC, p.product_id COLLATE "C") AS rank
          FROM (${speedByProduct}) p) k
 WHERE k.rank <= ${TOP_N_STORED}`;

export const topView = `CREATE VIEW ${T.top} AS
${[
  batchBranch('units', 'rank_units'),
  batchBranch('revenue', 'rank_revenue'),
  speedBranch('units', 'units', 'error_bound'),
  speedBranch('revenue', 'revenue', 'revenue_error_bound'),
].join('\nUNION ALL')}`;

/**
 * The dashboard's role. Roles are cluster-wide while migrations run per database (tests create
 * many databases, possibly at once), so creation is idempotent and tolerates a concurrent twin.
 * An existing role is left as ops configured it. No password is set here: `migrateLatest`
 * takes an optional `readerPassword` (the CLI reads HITBOARD_READER_PASSWORD), or ops set one.
 */
const readerRole = [
  `DO $$
   BEGIN
     IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${READ_ONLY_ROLE}') THEN
       BEGIN
         CREATE ROLE ${T.reader} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
       EXCEPTION WHEN duplicate_object OR unique_violation THEN
         NULL; -- created meanwhile by a migration of another database in this cluster
       END;
     END IF;
   END
   $$`,
  `DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO ${T.reader}', current_database()); END $$`,
  `GRANT USAGE ON SCHEMA public TO ${T.reader}`,
  `GRANT SELECT ON ${T.top}, ${T.products} TO ${T.reader}`,
  // Postgres < 15 lets every role create tables in public; nobody but the migrator should.
  `REVOKE CREATE ON SCHEMA public FROM PUBLIC`,
];

export async function up(knex: Knex): Promise<void> {
  for (const sql of [...tables, topView, ...readerRole]) await knex.raw(sql);
}

/**
 * Drops everything this migration created in this database. The role is cluster-wide and may
 * serve other databases, so it is kept; `CREATE` on public is not handed back to PUBLIC.
 */
export async function down(knex: Knex): Promise<void> {
  const statements = [
    `DROP VIEW IF EXISTS ${T.top}`,
    `DROP TABLE IF EXISTS ${T.batch}, ${T.runs}, ${T.speed}, ${T.ingestFiles}, ${T.ingestFlushes}, ${T.ingestOffsets}, ${T.products}`,
    `DO $$
     BEGIN
       IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${READ_ONLY_ROLE}') THEN
         EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM ${T.reader}', current_database());
         REVOKE USAGE ON SCHEMA public FROM ${T.reader};
       END IF;
     END
     $$`,
  ];
  for (const sql of statements) await knex.raw(sql);
}
