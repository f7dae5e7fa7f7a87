/** Every Kafka topic, table and view name, in one place. */

export const TOPICS = {
  /** Raw sale events, keyed by product_id; partitions are product shards. */
  salesEvents: 'sales.events',
  /** Events that failed validation, with the reason in a header and the original bytes. */
  salesEventsDlq: 'sales.events.dlq',
  /** Pre-summed (minute, product) records from the aggregator, keyed by product_id. */
  productSums: 'sales.product-sums',
} as const;

export const TABLES = {
  products: 'products',
  /** Ledger: per topic partition, the next offset to consume and the event-time watermark. */
  ingestOffsets: 'ingest_offsets',
  /** Ledger: one row per flush, written as `intended` before publishing, then `committed`. */
  ingestFlushes: 'ingest_flushes',
  /** Ledger: the Parquet files each committed flush wrote. Nothing outside it is ever read. */
  ingestFiles: 'ingest_files',
  speedTable: 'speed_table',
  /** Speed pipeline state (sketches, candidates) checkpointed with its consumed offsets. */
  speedCheckpoints: 'speed_checkpoints',
  batchTable: 'batch_table',
  rollupRuns: 'rollup_runs',
  /** Windows whose rollup is stale because late data arrived for them; cleared by the rebuild. */
  rollupDirty: 'rollup_dirty',
  /** Per window: units, revenue cents, orders, distinct products; batch (shard -1) or per speed shard. */
  windowTotals: 'window_totals',
  /** Files brought in by `import`, by content SHA-256: a repeat is skipped unless forced, a crash resumes. */
  imports: 'imports',
  /** The settings every machine must agree on (topic names, reporting zone, …), recorded by the first app that runs. */
  deploymentSettings: 'deployment_settings',
  /** Per speed shard, the products rising or falling now (issue 17), replaced with the shard's checkpoint. */
  movers: 'movers',
  /** Per speed shard and product, the mover tracker's state: its checkpoint, upserted when changed. */
  moversState: 'movers_state',
  /** Every mover episode (product, direction, since) the notifier has seen, with its peak figures: the reports' "movers of the period". */
  moverEpisodes: 'mover_episodes',
  /** One row per (alert rule, product, episode, webhook): claimed once across instances, then sent, failed or suppressed (cooldown). */
  alerts: 'alerts',
  /** Scheduled top-10 reports per (report, window): waiting for the window's rollup, built (lake keys), delivered. */
  reports: 'reports',
} as const;

/** The serving views: what each does now and which migration defines it, in infra/db/src/views/README.md. */
export const VIEWS = {
  top1000: 'top_1000',
  /** One totals row per window: batch where the window has a succeeded run, else the speed shards summed. */
  topTotals: 'top_totals',
  /** Per window with a succeeded run: that run's id and finish (the build version) and whether late data is rebuilding it; what a range is tiled from. */
  builtWindows: 'built_windows',
  /** `top_1000`'s columns plus `channel` ('all' = the overall rows, else one stored channel, ranked within it); migration 0019. */
  channelTop1000: 'channel_top_1000',
  /** `top_totals`'s columns plus `channel`, per (window, channel); migration 0019. */
  channelTotals: 'channel_totals',
} as const;

/**
 * The Postgres NOTIFY channel on which every committed change to what the serving views read is
 * announced (migration 0014's triggers): payload `interval|windowStartMs` per changed window, or
 * `*` when the catalog changed. The dashboard LISTENs and drops the cached answers it names.
 */
export const SERVING_CHANGES_CHANNEL = 'hitboard_serving_changes';

/** The role the dashboard connects as: it may read `top_1000`, `top_totals` and `products`, nothing else. */
export const READ_ONLY_ROLE = 'hitboard_reader';

/**
 * The Postgres role each app connects as (migration 0009; DATABASE_URL of each app names its role).
 * Each holds only its own tables: the aggregator the ledger, the speed pipeline its tables and
 * checkpoints, the batch layer its tables (and deletes on speed_table), the dashboard the serving views.
 */
export const APP_ROLES = {
  aggregator: 'hitboard_aggregator',
  speedPipeline: 'hitboard_speed',
  batchRollup: 'hitboard_batch',
  /** apps/notifier: reads movers and the exact batch tables, writes its alerts, episodes and reports (0011, 0012). */
  notifier: 'hitboard_notifier',
  dashboard: READ_ONLY_ROLE,
} as const;

/** How many ranked rows per window and metric the batch layer keeps and the view serves. */
export const TOP_N_STORED = 1000;

export const METRICS = ['units', 'revenue'] as const;
export type Metric = (typeof METRICS)[number];
